"""Booking a visit: never more people in a slot than it has desks, whatever the races.

The desk is taken by one conditional statement, `UPDATE booking_slot SET booked =
booked + 1 WHERE id = ? AND booked < capacity`, in the same transaction as the INSERT of
the booking (Munich's ZMS does the same with a row lock); a partial unique index keeps
one active booking per person per slot. The per-person limit is checked with the
person's row locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers).
Cancelling flips the status with a conditional UPDATE first, so a desk is freed once.
Services flush; the caller commits (and rolls back on BookingError).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
from core.people.models import Person
from core.timeutil import LOCAL_TZ, utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# Alternatives to a full slot are the nearest of the first free slots found, day by day
# from today: this many are plenty to pick a few from without building every day's slots.
ALTERNATIVES_LOOKED_FOR = 40


class BookingError(Exception):
    """Why a booking cannot be made or changed, in Chinese; `alternatives` for a full slot."""

    def __init__(
        self, code: str, message: str, alternatives: list[availability.SlotView] | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.alternatives = alternatives or []


def _rowcount(result: object) -> int:
    """Rows a conditional UPDATE changed: 1 means we won the race, 0 that we lost it."""
    return int(getattr(result, "rowcount", 0))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _lock_person(session: Session, person: Person) -> None:
    session.execute(select(Person.id).where(Person.id == person.id).with_for_update())


def active_count(session: Session, person: Person, station: Station) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.person_id == person.id,
                Booking.station_id == station.id,
                Booking.status == ACTIVE,
            )
        )
        or 0
    )


def _slot_at(session: Session, station: Station, starts_at: datetime) -> BookingSlot | None:
    availability.ensure_slots(session, station, starts_at.astimezone(LOCAL_TZ).date())
    return session.scalar(
        select(BookingSlot).where(
            BookingSlot.station_id == station.id, BookingSlot.starts_at == starts_at
        )
    )


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
) -> list[availability.SlotView]:
    """The free slots nearest in time to the one asked for (same station)."""
    free: list[availability.SlotView] = []
    for plan in availability.bookable_days(station, now):
        free.extend(
            s for s in availability.slots_for_day(session, station, plan.day, now) if s.free
        )
        if len(free) > ALTERNATIVES_LOOKED_FOR:
            break
    free.sort(key=lambda s: abs((s.starts_at - starts_at).total_seconds()))
    return free[:limit]


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
    """Take a desk in the slot starting at `starts_at` (UTC) for `person`."""
    now = now or utcnow()
    _check_bookable(station, starts_at, service, now)
    slot = _slot_at(session, station, starts_at)
    if slot is None:
        raise BookingError("no_slot", "该时段不开放预约，请重新选择。")
    _lock_person(session, person)
    if (
        rescheduled_from is None
        and active_count(session, person, station) >= station.max_active_per_person
    ):
        raise BookingError(
            "limit",
            f"您在该服务站已有 {station.max_active_per_person} 个有效预约，请先取消或改约后再预约。",
        )
    taken = session.execute(
        update(BookingSlot)
        .where(BookingSlot.id == slot.id, BookingSlot.booked < BookingSlot.capacity)
        .values(booked=BookingSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(taken) != 1:
        raise BookingError("full", "该时段已约满。", alternatives(session, station, starts_at, now))
    session.expire(slot, ["booked"])
    booking = Booking(
        created_at=now,
        code=new_code(),
        person=person,
        station=station,
        slot=slot,
        service=service,
        rescheduled_from_id=rescheduled_from.id if rescheduled_from else None,
    )
    try:
        with session.begin_nested():
            session.add(booking)
    except IntegrityError as exc:
        raise BookingError("duplicate", "您已预约了这个时段。") from exc
    return booking


def _release(session: Session, booking: Booking, status: str, now: datetime) -> bool:
    """Move an active booking to `status` and free its desk; False if it was not active."""
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == ACTIVE)
        .values(status=status, cancelled_at=now if status == CANCELLED else None)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(changed) != 1:
        return False
    session.execute(
        update(BookingSlot)
        .where(BookingSlot.id == booking.slot_id, BookingSlot.booked > 0)
        .values(booked=BookingSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    session.expire(booking.slot, ["booked"])
    return True


def cancel(
    session: Session, booking: Booking, by: str, reason: str = "", now: datetime | None = None
) -> None:
    """Cancel and free the desk exactly once; BookingError if it is no longer active."""
    now = now or utcnow()
    if not _release(session, booking, CANCELLED, now):
        raise BookingError("not_active", "该预约已取消或已办理，无法再取消。")
    booking.cancelled_by = by
    booking.cancel_reason = reason[:500]


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
