"""Staff operations on stations and their bookings: change hours, exceptions and desks
without silently dropping bookings, then act on the bookings a change leaves behind.

A booking never disappears because the plan changed. Its "problem" is computed, not
stored: an active future booking whose slot no longer fits its station's plan (the day
is closed, or its start is no longer a slot start), or whose slot holds more bookings
than the station now has desks (kept, only flagged). Computing it keeps the list true
whatever changed it (an edit, an import, a later edit that undoes the first) until staff
move or cancel. A change is previewed inside a SAVEPOINT that is rolled back, so the
preview applies exactly the availability rules that will apply after saving.
Services flush; the caller commits, except `cancel_by_staff` and `move_by_staff`, which
commit before they tell anyone.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, contains_eager

from core.booking import availability, station_csv
from core.booking import booking as booking_service
from core.booking.booking import BookingError
from core.booking.models import (
    ACTIVE,
    CANCELLED,
    Booking,
    BookingSlot,
    Station,
    StationException,
    StationHours,
)
from core.booking.station_csv import ParsedStation, StationImportError
from core.config import Settings
from core.timeutil import LOCAL_TZ, local_today
from core.wechat import notify

log = logging.getLogger(__name__)

REASON_MAX = 200
MOVED_REASON = "服务站调整开放时间"


@dataclass(frozen=True)
class Problem:
    booking: Booking
    reason: str
    keep: bool = False  # over the desk count: the slot still exists, staff decide who moves

    @property
    def key(self) -> str:
        return f"{self.booking.id}:{self.reason}"


class StationFormError(ValueError):
    """A station edit refused by a rule; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- bookings that no longer fit -------------------------------------------------------


def problems(
    session: Session, now: datetime, station_ids: Iterable[int] | None = None
) -> list[Problem]:
    """Active future bookings that do not fit their station's current plan, in time order."""
    query = (
        select(Booking)
        .join(Booking.slot)
        .options(contains_eager(Booking.slot))
        .where(Booking.status == ACTIVE, BookingSlot.starts_at >= now)
        .order_by(BookingSlot.starts_at, Booking.id)
    )
    if station_ids is not None:
        query = query.where(Booking.station_id.in_(list(station_ids)))
    found: list[Problem] = []
    plans: dict[tuple[int, date], tuple[availability.DayPlan, set[datetime]]] = {}
    for item in session.scalars(query):
        station, start = item.station, item.slot.starts_at
        key = (station.id, start.astimezone(LOCAL_TZ).date())
        if key not in plans:
            plan = availability.day_plan(station, key[1])
            plans[key] = (plan, {s for s, _ in availability.slot_starts(station, plan)})
        plan, starts = plans[key]
        if not plan.open:
            found.append(Problem(item, f"当天不开放（{plan.reason}）"))
        elif start not in starts:
            found.append(Problem(item, "该时段已不在开放时间内"))
        elif item.slot.booked > station.desks:
            reason = f"该时段已约 {item.slot.booked} 人，超过窗口数 {station.desks}"
            found.append(Problem(item, reason, keep=True))
    return found


def problem_counts(session: Session, now: datetime) -> Counter[int]:
    """Problems per station id, for the station list."""
    return Counter(p.booking.station_id for p in problems(session, now))


def preview(
    session: Session,
    change: Callable[[], object],
    now: datetime,
    station_ids: Iterable[int] | None = None,
) -> list[Problem]:
    """The problems `change` would add, found by applying it in a SAVEPOINT rolled back after.

    Errors from `change` (a refused edit) propagate, with nothing applied.
    """
    ids = None if station_ids is None else list(station_ids)
    before = {p.key for p in problems(session, now, ids)}
    nested = session.begin_nested()
    try:
        change()
        session.flush()
        after = problems(session, now, ids)
    finally:
        nested.rollback()
    return [p for p in after if p.key not in before]


def fingerprint(found: list[Problem]) -> str:
    """Names the affected set a confirmation was given for; a different set asks again."""
    return hashlib.sha256("|".join(sorted(p.key for p in found)).encode()).hexdigest()[:16]


# --- changing a station ------------------------------------------------------------------


def sync_capacity(session: Session, station: Station, now: datetime) -> None:
    """Future slots take the station's desk count, never fewer than they already hold."""
    session.execute(
        update(BookingSlot)
        .where(BookingSlot.station_id == station.id, BookingSlot.starts_at >= now)
        .values(
            capacity=case(
                (BookingSlot.booked > station.desks, BookingSlot.booked), else_=station.desks
            )
        )
        .execution_options(synchronize_session="fetch")
    )


def save_station(
    session: Session,
    station: Station | None,
    parsed: ParsedStation,
    *,
    is_active: bool,
    now: datetime,
) -> Station:
    """Create (station None) or update a station from checked fields; flushes."""
    code = parsed.fields["code"]
    other = session.scalar(select(Station.id).where(Station.code == code))
    if other is not None and (station is None or other != station.id):
        raise StationFormError("code", f"编号 {code} 已被其他服务站使用。")
    if station is None:
        station = Station()
        session.add(station)
    for key, value in parsed.fields.items():
        setattr(station, key, value)
    station.is_active = is_active
    station.hours = [StationHours(weekday=d, opens=o, closes=c) for d, o, c in parsed.hours]
    session.flush()
    sync_capacity(session, station, now)
    return station


def parse_periods(text: str) -> list[list[str]]:
    """ "09:00-11:30 13:30-16:00" → [["09:00", "11:30"], …], by the CSV hours rules."""
    if not text.strip():
        raise ValueError("请填写当天的开放时段，如 09:00-11:30 13:30-16:00")
    return [[f"{o:%H:%M}", f"{c:%H:%M}"] for _, o, c in station_csv.parse_hours(f"1 {text}")]


def set_exception(
    session: Session,
    station: Station,
    day: date,
    *,
    closed: bool,
    periods: list[list[str]],
    note: str,
    now: datetime,
) -> StationException:
    """Close a date, or open it with other periods; replaces that date's earlier exception."""
    if day < local_today(now):
        raise ValueError("不能为已经过去的日期设置例外。")
    exception = next((e for e in station.exceptions if e.day == day), None)
    if exception is None:
        exception = StationException(day=day)
        station.exceptions.append(exception)
    exception.closed = closed
    exception.periods = [] if closed else periods
    exception.note = note.strip()[:REASON_MAX]
    session.flush()
    return exception


def remove_exception(session: Session, station: Station, exception: StationException) -> None:
    station.exceptions.remove(exception)
    session.flush()


# --- CSV ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int
    updated: int
    problems: list[Problem] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), or GB18030 as Excel on Chinese Windows saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StationImportError(["文件编码无法识别：请在 Excel 中另存为“CSV UTF-8”后再导入。"])


def _import(session: Session, text: str, now: datetime) -> tuple[int, int]:
    codes = [item.fields["code"] for item in station_csv.parse_csv(text)]
    added, updated = station_csv.import_csv(session, text)
    for station in session.scalars(select(Station).where(Station.code.in_(codes))):
        sync_capacity(session, station, now)
    return added, updated


def preview_import(session: Session, text: str, now: datetime) -> list[Problem]:
    """Bookings the file would leave without a slot; StationImportError for a bad file."""
    station_csv.parse_csv(text)
    return preview(session, lambda: _import(session, text, now), now)


def import_stations(session: Session, text: str, now: datetime) -> ImportResult:
    """All rows or none (StationImportError); the result lists every booking now unfit."""
    added, updated = _import(session, text, now)
    return ImportResult(added, updated, problems(session, now))


# --- staff acting on one booking -----------------------------------------------------------


def check_in(session: Session, booking: Booking, now: datetime) -> None:
    """Only on the booking's day: a click on the wrong day's list must not count as a visit."""
    if booking.slot.starts_at.astimezone(LOCAL_TZ).date() != local_today(now):
        raise BookingError("not_today", "只能在预约当天签到。")
    booking_service.check_in(session, booking, now)


def mark_no_show(session: Session, booking: Booking, now: datetime) -> None:
    if booking.slot.starts_at > now:
        raise BookingError("too_early", "预约时段尚未开始，不能标记未到。")
    booking_service.mark_no_show(session, booking)


@dataclass
class StaffCancellation:
    """What a staff cancellation did: each cancelled booking with its notice's outcome
    (notify's words, see `notice_text`), and each one left alone with the reason."""

    cancelled: list[tuple[Booking, str]] = field(default_factory=list)
    missed: list[tuple[Booking, str]] = field(default_factory=list)


def cancel_by_staff(
    session: Session, settings: Settings, bookings: Iterable[Booking], reason: str, now: datetime
) -> StaffCancellation:
    """Cancel these bookings with one reason (required: each person is told it), commit,
    and only then tell each person whose booking really was cancelled.

    Commits on purpose, like the reminders: a notice that leaves before the commit can tell
    someone their booking is cancelled when a later refusal rolls it back. A booking no
    longer active is left alone and listed in `missed`; its person is told nothing.
    """
    reason = reason.strip()[:REASON_MAX]
    if not reason:
        raise BookingError("reason", "请填写取消原因，原因会发送给预约人。")
    result = StaffCancellation()
    done: list[Booking] = []
    for booking in bookings:
        try:
            booking_service.cancel(session, booking, by="staff", reason=reason, now=now)
        except BookingError as exc:  # the conditional UPDATE changed nothing
            result.missed.append((booking, exc.message))
            continue
        done.append(booking)
    session.commit()
    for booking in done:
        outcome = _notify(session, settings, booking, "cancelled_by_staff", reason)
        result.cancelled.append((booking, outcome))
        session.commit()  # the notice's outbox and log rows
    return result


def _notify(session: Session, settings: Settings, booking: Booking, kind: str, reason: str) -> str:
    """A notice about a committed change; a failure is reported, never undoes the change."""
    try:
        return notify.notify_booking(session, settings, booking, kind, reason)
    except Exception:  # the change stands whatever happens to the message
        session.rollback()
        log.exception("%s notice for booking %s failed", kind, booking.code)
        return "failed: 发送失败"


def move_by_staff(
    session: Session,
    settings: Settings,
    booking: Booking,
    starts_at: datetime,
    now: datetime,
    reason: str = MOVED_REASON,
) -> tuple[Booking, str]:
    """Rebook into another slot of the same station, commit, then tell the person;
    (new, outcome). Commits on purpose, as `cancel_by_staff`: no notice of a move that a
    failed commit would undo."""
    new = booking_service.reschedule(
        session, booking, starts_at, now=now, by="staff", reason=f"{reason}，已改约"
    )
    booking.cancel_reason = f"{reason}，已改约（{new.code}）"
    session.commit()
    outcome = _notify(session, settings, new, "changed", reason)
    session.commit()
    return new, outcome


def notice_text(outcome: str) -> str:
    """notify's outcome in staff's words: "已通知", or why the person was not told."""
    kind, _, detail = outcome.partition(": ")
    if kind not in ("refused", "failed"):
        return "已通知"
    if detail == "unsubscribed":
        detail = "该用户已取消关注公众号"
    return f"未能通知：{detail or '发送失败'}"


# --- what staff see ---------------------------------------------------------------------------


def local_range(first: date, days: int) -> tuple[datetime, datetime]:
    """UTC bounds of `days` whole Shanghai days from `first`."""
    start = datetime.combine(first, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=days)


@dataclass
class WeekGrid:
    plans: list[availability.DayPlan]
    times: list[time]
    counts: Counter[tuple[date, time]]
    open_cells: set[tuple[date, time]]

    def day_total(self, day: date) -> int:
        return sum(n for (d, _), n in self.counts.items() if d == day)


def week_grid(session: Session, station: Station, monday: date) -> WeekGrid:
    """Bookings (not cancelled) per slot and day, beside the slots each day offers."""
    plans = [availability.day_plan(station, monday + timedelta(days=i)) for i in range(7)]
    open_cells = {
        (plan.day, start.astimezone(LOCAL_TZ).time())
        for plan in plans
        for start, _ in availability.slot_starts(station, plan)
    }
    counts: Counter[tuple[date, time]] = Counter()
    for item in booking_service.station_bookings(session, station.id, *local_range(monday, 7)):
        if item.status != CANCELLED:
            start = item.slot.starts_at.astimezone(LOCAL_TZ)
            counts[(start.date(), start.time())] += 1
    times = sorted({t for _, t in open_cells} | {t for _, t in counts})
    return WeekGrid(plans, times, counts, open_cells)
