"""Booking a visit: never more people in a slot than it has desks, whatever the races.

The desk is taken by one conditional statement, `UPDATE booking_slot SET booked =
booked + 1 WHERE id = ? AND booked < capacity`, in the same transaction as the INSERT of
the booking (Munich's ZMS does the same with a row lock); a partial unique index keeps
one active booking per person per slot. The per-person limit is checked with the
person's row locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers).
Cancelling flips the status with a conditional UPDATE first, so a desk is freed once.
Services flush; the caller commits (and rolls back on BookingError).

A booking is three statements (read the slot with the person locked, take the desk,
insert) and a refusal as full is one: a day that fills up refuses most attempts, and
every statement is a round trip under the desk's lock or the person's. The statements
are built once, at import, with named parameters: building and hashing a SQLAlchemy
statement costs about as much Python as running it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Executable, Integer, and_, bindparam, func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core.booking import availability, station_services
from core.booking.models import (
    ACTIVE,
    CANCELLED,
    CHECKED_IN,
    NO_SHOW,
    Booking,
    BookingSlot,
    Station,
)
from core.db import dialect_insert
from core.people.models import Person
from core.timeutil import LOCAL_TZ, utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_TRIES = 3  # a clash is about one in a billion per try; three in a row means a bug
ALTERNATIVES_BATCH = 16  # starts read per statement when looking for free ones (then doubled)

Alternatives = list[availability.SlotView]

# The statements, with named parameters (named unlike the columns an UPDATE sets).
# A person's active bookings at a station:
_ACTIVE = (
    select(func.count())
    .select_from(Booking)
    .where(
        Booking.person_id == bindparam("person"),
        Booking.station_id == bindparam("station"),
        Booking.status == ACTIVE,
    )
    .scalar_subquery()
)
_ACTIVE_COUNT = select(_ACTIVE)
# The person's row locked; the slot (NULLs when it has no row yet) and their bookings:
_PROBE = (
    select(BookingSlot.id, BookingSlot.booked, BookingSlot.capacity, _ACTIVE)
    .select_from(Person)
    .outerjoin(
        BookingSlot,
        and_(
            BookingSlot.station_id == bindparam("station"),
            BookingSlot.starts_at == bindparam("start"),
        ),
    )
    .where(Person.id == bindparam("person"))
    .with_for_update(of=Person)
)
# Take a desk if the slot still has one ...
_TAKE_DESK = (
    update(BookingSlot)
    .where(BookingSlot.id == bindparam("slot"), BookingSlot.booked < BookingSlot.capacity)
    .values(booked=BookingSlot.booked + 1)
    .returning(BookingSlot.booked)
    .execution_options(synchronize_session=False)
)
# ... and the person is under the limit (limit > active bookings).
_TAKE_DESK_UNDER_LIMIT = _TAKE_DESK.where(bindparam("limit", type_=Integer) > _ACTIVE)
_FREE_DESK = (
    update(BookingSlot)
    .where(BookingSlot.id == bindparam("slot"), BookingSlot.booked > 0)
    .values(booked=BookingSlot.booked - 1)
    .returning(BookingSlot.booked)
    .execution_options(synchronize_session=False)
)
_CANCEL = (
    update(Booking)
    .where(Booking.id == bindparam("booking"), Booking.status == ACTIVE)
    .values(
        status=CANCELLED,
        cancelled_at=bindparam("at"),
        cancelled_by=bindparam("by"),
        cancel_reason=bindparam("reason"),
    )
    .returning(Booking.slot_id)
    .execution_options(synchronize_session=False)
)
_HOLDS_SLOT = select(Booking.id).where(
    Booking.person_id == bindparam("person"),
    Booking.slot_id == bindparam("slot"),
    Booking.status == ACTIVE,
)
_INSERTS: dict[str, Executable] = {}  # by dialect name: ON CONFLICT is dialect-specific


class BookingError(Exception):
    """Why a booking cannot be made or changed, in Chinese; `alternatives` for a full slot."""

    def __init__(
        self,
        code: str,
        message: str,
        alternatives: Alternatives | Callable[[], Alternatives] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self._alternatives = alternatives

    @property
    def alternatives(self) -> Alternatives:
        """The nearest free slots, worked out on first read (then kept).

        Lazily, because most refusals are never shown them: the chat asks for them in its
        own step, and a busy day refuses far more attempts than it books. They read the
        session, so read them after rolling back the refused attempt.
        """
        if callable(self._alternatives):
            self._alternatives = self._alternatives()
        return self._alternatives or []


def _rowcount(result: object) -> int:
    """Rows a conditional UPDATE changed: 1 means we won the race, 0 that we lost it."""
    return int(getattr(result, "rowcount", 0))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _id_of(person: Person) -> int:
    """The person's id without loading the row.

    A rollback expires every object in the session, and reading `person.id` would then cost
    a SELECT just to learn a number the identity map already holds.
    """
    identity = inspect(person).identity
    return int(identity[0]) if identity else person.id


def active_count(session: Session, person: Person, station: Station) -> int:
    return session.scalar(_ACTIVE_COUNT, {"person": _id_of(person), "station": station.id}) or 0


class _Probe(NamedTuple):
    """What one statement tells `book` before it takes a desk."""

    slot_id: int | None  # None: no row for that start yet
    booked: int
    capacity: int
    active: int  # the person's active bookings at the station


def _probe(session: Session, person_id: int, station: Station, starts_at: datetime) -> _Probe:
    """Lock the person's row and read the slot and their active bookings, in one round trip.

    The lock (FOR UPDATE OF person, PostgreSQL; SQLite serialises writers) queues one
    person's bookings, so the count that `_take_desk` reads after it sees any booking they
    made just before. What this statement reads may be older than the lock when it had to
    wait, so it only refuses early; `_take_desk` checks again.
    """
    params = {"person": person_id, "station": station.id, "start": starts_at}
    slot_id, booked, capacity, active = session.execute(_PROBE, params).one()
    return _Probe(slot_id, booked or 0, capacity or 0, active or 0)


def _check_bookable(station: Station, starts_at: datetime, service: int, now: datetime) -> None:
    if not station.is_active:
        raise BookingError("closed", "该服务站暂停预约。")
    if service not in {s.no for s in station_services.bookable_for(station.services)}:
        raise BookingError("service", "该服务站不提供这项服务，请重新选择。")
    earliest, latest = availability.bookable_window(station, now)
    if starts_at < earliest:
        hours = station.min_notice_minutes / 60
        raise BookingError("too_soon", f"需至少提前 {hours:g} 小时预约，请选择更晚的时段。")
    if starts_at > latest:
        raise BookingError("too_far", f"只能预约 {station.booking_window_days} 天内的时段。")
    plan = availability.day_plan(station, starts_at.astimezone(LOCAL_TZ).date())
    if starts_at not in {s for s, _ in availability.slot_starts(station, plan)}:
        raise BookingError("no_slot", "该时段不开放预约，请重新选择。")


def alternatives(
    session: Session, station: Station, starts_at: datetime, now: datetime, limit: int = 3
) -> Alternatives:
    """The free slots nearest in time to the one asked for (same station, whole window).

    The candidate starts come from the opening hours, nearest first; their rows are read in
    batches that double, so the usual answer (free times the same day) is one statement.
    """
    candidates = sorted(
        availability.bookable_starts(station, now),
        key=lambda start_end: abs((start_end[0] - starts_at).total_seconds()),
    )
    free: Alternatives = []
    size = ALTERNATIVES_BATCH
    while candidates and len(free) < limit:
        batch, candidates = candidates[:size], candidates[size:]
        free += [s for s in availability.slot_views(session, station, batch) if s.free]
        size *= 2
    return free[:limit]


def _limit_error(station: Station) -> BookingError:
    return BookingError(
        "limit",
        f"您在该服务站已有 {station.max_active_per_person} 个有效预约，请先取消或改约后再预约。",
    )


def _full_error(
    session: Session, station: Station, starts_at: datetime, now: datetime
) -> BookingError:
    return BookingError(
        "full", "该时段已约满。", lambda: alternatives(session, station, starts_at, now)
    )


def _take_desk(
    session: Session, slot_id: int, person_id: int, station_id: int, limit: int | None
) -> int | None:
    """Take a desk if the slot has one and the person is under `limit`: the slot's new
    `booked`, or None if either failed.

    One statement does both: `booked < capacity` is evaluated on the row as it is when
    this UPDATE holds its lock, and the count of the person's active bookings is read
    after their row was locked by `_probe`, so neither can be overtaken.
    """
    if limit is None:
        return session.execute(_TAKE_DESK, {"slot": slot_id}).scalar_one_or_none()
    params = {"slot": slot_id, "person": person_id, "station": station_id, "limit": limit}
    return session.execute(_TAKE_DESK_UNDER_LIMIT, params).scalar_one_or_none()


def _note_booked(session: Session, slot_id: int, booked: int) -> None:
    """Give a slot object this session holds the counter just written, without a SELECT.

    Sessions keep their objects across commits (expire_on_commit=False), so one loaded
    earlier would otherwise show the count from before.
    """
    slot = session.identity_map.get(identity_key(BookingSlot, slot_id))
    if slot is not None:
        set_committed_value(slot, "booked", booked)


def _insert_booking(session: Session, values: dict[str, Any]) -> Booking:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the booking, with a fresh code per try.

    A conflict on one of the table's unique keys comes back as no row instead of an error
    that would abort the transaction, so no SAVEPOINT is needed around it: then either the
    person already holds this slot (the partial unique index) or the code was taken.
    """
    insert = _insert_statement(session)
    for _ in range(CODE_TRIES):
        made = session.scalars(insert, {**values, "code": new_code()}).one_or_none()
        if made is not None:
            return made
        held = {"person": values["person_id"], "slot": values["slot_id"]}
        if session.scalar(_HOLDS_SLOT, held) is not None:
            raise BookingError("duplicate", "您已预约了这个时段。")
    raise RuntimeError(f"no free booking code in {CODE_TRIES} tries")


def _insert_statement(session: Session) -> Executable:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        insert = dialect_insert(session, Booking).on_conflict_do_nothing()
        _INSERTS[dialect] = insert.returning(Booking)
    return _INSERTS[dialect]


def _slot_probe(
    session: Session, person_id: int, station: Station, starts_at: datetime
) -> tuple[int, _Probe]:
    """`_probe`, creating the day's slot rows first if nobody has looked at that day yet."""
    probe = _probe(session, person_id, station, starts_at)
    if probe.slot_id is None:
        availability.ensure_slots(session, station, starts_at.astimezone(LOCAL_TZ).date())
        probe = _probe(session, person_id, station, starts_at)
    if probe.slot_id is None:
        raise BookingError("no_slot", "该时段不开放预约，请重新选择。")
    return probe.slot_id, probe


def book(
    session: Session,
    person: Person,
    station: Station,
    starts_at: datetime,
    service: int,
    now: datetime | None = None,
    *,
    rescheduled_from: Booking | None = None,
) -> Booking:
    """Take a desk in the slot starting at `starts_at` (UTC) for `person`.

    Refusals in the order a person should hear them: the limit, then full, then a booking
    they already hold in that slot. A move (`rescheduled_from`) is not held to the limit.
    """
    now = now or utcnow()
    _check_bookable(station, starts_at, service, now)
    person_id = _id_of(person)
    limit = None if rescheduled_from is not None else station.max_active_per_person
    slot_id, probe = _slot_probe(session, person_id, station, starts_at)
    if limit is not None and probe.active >= limit:
        raise _limit_error(station)
    if probe.booked >= probe.capacity:
        raise _full_error(session, station, starts_at, now)
    booked = _take_desk(session, slot_id, person_id, station.id, limit)
    if booked is None:  # overtaken since the probe: say which check failed
        if limit is not None and active_count(session, person, station) >= limit:
            raise _limit_error(station)
        raise _full_error(session, station, starts_at, now)
    _note_booked(session, slot_id, booked)
    return _insert_booking(
        session,
        {
            "created_at": now,
            "person_id": person_id,
            "station_id": station.id,
            "slot_id": slot_id,
            "service": service,
            "status": ACTIVE,
            "rescheduled_from_id": rescheduled_from.id if rescheduled_from else None,
        },
    )


def cancel(
    session: Session, booking: Booking, by: str, reason: str = "", now: datetime | None = None
) -> None:
    """Cancel and free the desk exactly once; BookingError if it is no longer active.

    Two statements: the conditional UPDATE that only one canceller can win (it also
    records who and why, and names the slot), then the desk. The booking object gets the
    values written instead of being read back.
    """
    at, reason = (now or utcnow()).astimezone(UTC), reason[:500]
    params = {"booking": booking.id, "at": at, "by": by, "reason": reason}
    slot_id = session.execute(_CANCEL, params).scalar_one_or_none()
    if slot_id is None:
        raise BookingError("not_active", "该预约已取消或已办理，无法再取消。")
    booked = session.execute(_FREE_DESK, {"slot": slot_id}).scalar_one_or_none()
    if booked is not None:
        _note_booked(session, slot_id, booked)
    written = {"status": CANCELLED, "cancelled_at": at, "cancelled_by": by, "cancel_reason": reason}
    for key, value in written.items():
        set_committed_value(booking, key, value)


def reschedule(
    session: Session,
    booking: Booking,
    starts_at: datetime,
    service: int | None = None,
    now: datetime | None = None,
    *,
    by: str = "person",
    reason: str = "改约",
) -> Booking:
    """Book the new slot, then cancel the old one (recording who moved it), in one transaction."""
    now = now or utcnow()
    if booking.status != ACTIVE:
        raise BookingError("not_active", "该预约已取消或已办理，无法改约。")
    new = book(
        session,
        booking.person,
        booking.station,
        starts_at,
        service or booking.service,
        now,
        rescheduled_from=booking,
    )
    cancel(session, booking, by=by, reason=reason, now=now)
    return new


def check_in(session: Session, booking: Booking, now: datetime | None = None) -> None:
    """Staff: the person came. The desk stays taken (they are using it)."""
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == ACTIVE)
        .values(status=CHECKED_IN, checked_in_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if _rowcount(changed) != 1:
        raise BookingError("not_active", "该预约不是待到访状态。")
    session.refresh(booking)


def mark_no_show(session: Session, booking: Booking) -> None:
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == ACTIVE)
        .values(status=NO_SHOW)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(changed) != 1:
        raise BookingError("not_active", "该预约不是待到访状态。")
    session.refresh(booking)


def bookings_of(session: Session, person: Person, include_past: bool = False) -> list[Booking]:
    query = (
        select(Booking)
        .join(BookingSlot)
        .where(Booking.person_id == person.id)
        .order_by(BookingSlot.starts_at)
    )
    if not include_past:
        query = query.where(Booking.status == ACTIVE, BookingSlot.ends_at >= utcnow())
    return list(session.scalars(query))


def find_for_person(session: Session, person: Person, code: str) -> Booking | None:
    """A booking by its code, only if it is this person's (nobody sees another's)."""
    return session.scalar(
        select(Booking).where(Booking.code == code.strip().upper(), Booking.person_id == person.id)
    )


def station_bookings(
    session: Session, station_id: int, start: datetime, end: datetime
) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking)
            .join(BookingSlot)
            .where(
                Booking.station_id == station_id,
                BookingSlot.starts_at >= start,
                BookingSlot.starts_at < end,
            )
            .order_by(BookingSlot.starts_at, Booking.id)
        )
    )
