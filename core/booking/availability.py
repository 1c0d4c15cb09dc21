"""When a station can be visited: opening periods, holidays, exceptions, slots.

A day's periods come from, in order: a per-date exception; the State Council holiday
calendar (`chinese-calendar`: closed on public holidays, open on adjusted working days,
which use the station's Monday hours); the weekly hours. Slots are cut from the periods
in the station's slot length and stored as rows (created the first time anyone looks at
that day) so that booking can count desks in the database.
"""

from __future__ import annotations

import logging
from calendar import SATURDAY
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking.models import BookingSlot, Station
from core.db import dialect_insert
from core.timeutil import LOCAL_TZ, local_today, utcnow

log = logging.getLogger(__name__)

Period = tuple[time, time]


@dataclass(frozen=True)
class DayPlan:
    day: date
    periods: list[Period]
    reason: str  # "", "节假日", "调休上班", an exception's note, "休息"

    @property
    def open(self) -> bool:
        return bool(self.periods)


@dataclass(frozen=True)
class SlotView:
    slot_id: int
    starts_at: datetime  # UTC
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(LOCAL_TZ)


def _parse_periods(raw: list[object]) -> list[Period]:
    periods = []
    for item in raw:
        match item:
            case [opens, closes]:  # stored as a JSON pair; anything else is skipped
                periods.append((time.fromisoformat(str(opens)), time.fromisoformat(str(closes))))
    return sorted(periods)


def weekly_periods(station: Station, weekday: int) -> list[Period]:
    return sorted((h.opens, h.closes) for h in station.hours if h.weekday == weekday)


def _holiday_status(day: date) -> tuple[bool, bool]:
    """(is_holiday, is_adjusted_workday); outside the calendar's years: (False, False)."""
    try:
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("chinese-calendar has no data for %s; using weekly hours", day)
        return False, False
    weekend = day.weekday() >= SATURDAY
    return (not workday and not weekend), (workday and weekend)


def day_plan(station: Station, day: date) -> DayPlan:
    for exception in station.exceptions:
        if exception.day == day:
            if exception.closed:
                return DayPlan(day, [], exception.note or "休息")
            return DayPlan(day, _parse_periods(exception.periods), exception.note)
    holiday, adjusted = _holiday_status(day)
    if holiday:
        return DayPlan(day, [], "节假日")
    if adjusted:
        return DayPlan(day, weekly_periods(station, 0), "调休上班")
    periods = weekly_periods(station, day.weekday())
    return DayPlan(day, periods, "" if periods else "休息")


def slot_starts(station: Station, plan: DayPlan) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of each whole slot that fits one of the day's periods."""
    step = timedelta(minutes=station.slot_minutes)
    out = []
    for opens, closes in plan.periods:
        start = datetime.combine(plan.day, opens, tzinfo=LOCAL_TZ)
        end_of_period = datetime.combine(plan.day, closes, tzinfo=LOCAL_TZ)
        while start + step <= end_of_period:
            out.append((start.astimezone(UTC), (start + step).astimezone(UTC)))
            start += step
    return out


def bookable_window(station: Station, now: datetime) -> tuple[datetime, datetime]:
    """Earliest and latest start a person may book now (minimum notice, booking window)."""
    earliest = now + timedelta(minutes=station.min_notice_minutes)
    last_day = local_today(now) + timedelta(days=station.booking_window_days)
    latest = datetime.combine(last_day, time(23, 59), tzinfo=LOCAL_TZ)
    return earliest, latest


def bookable_days(station: Station, now: datetime | None = None) -> list[DayPlan]:
    """Open days from today to the end of the booking window with at least one bookable start."""
    now = now or utcnow()
    earliest, latest = bookable_window(station, now)
    days = []
    day = local_today(now)
    while datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ) <= latest:
        plan = day_plan(station, day)
        if plan.open and any(start >= earliest for start, _ in slot_starts(station, plan)):
            days.append(plan)
        day += timedelta(days=1)
    return days


def ensure_slots(session: Session, station: Station, day: date) -> list[BookingSlot]:
    """The day's slot rows, creating only the missing ones.

    Reading first matters on PostgreSQL: an INSERT … ON CONFLICT on rows that other open
    transactions are booking would wait for each of them, queueing a whole day's bookings.
    """
    starts = slot_starts(station, day_plan(station, day))
    if not starts:
        return []
    query = (
        select(BookingSlot)
        .where(
            BookingSlot.station_id == station.id,
            BookingSlot.starts_at >= starts[0][0],
            BookingSlot.starts_at <= starts[-1][0],
        )
        .order_by(BookingSlot.starts_at)
    )
    rows = list(session.scalars(query))
    have = {row.starts_at for row in rows}
    missing = [
        {
            "station_id": station.id,
            "starts_at": s,
            "ends_at": e,
            "capacity": station.desks,
            "booked": 0,
        }
        for s, e in starts
        if s not in have
    ]
    if not missing:
        return rows
    insert = dialect_insert(session, BookingSlot).on_conflict_do_nothing(
        index_elements=["station_id", "starts_at"]
    )
    session.execute(insert, missing)
    return list(session.scalars(query))


def slots_for_day(
    session: Session, station: Station, day: date, now: datetime | None = None
) -> list[SlotView]:
    """The day's slots a person could book now (free or full), in time order."""
    now = now or utcnow()
    earliest, latest = bookable_window(station, now)
    valid = {s for s, _ in slot_starts(station, day_plan(station, day))}
    return [
        SlotView(row.id, row.starts_at, row.ends_at, row.capacity, row.booked)
        for row in ensure_slots(session, station, day)
        if row.starts_at in valid and earliest <= row.starts_at <= latest
    ]


def bookable_starts(station: Station, now: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every slot a person could book now, over the whole window.

    Worked out from the opening hours alone, without the database, so a caller can pick the
    starts it wants before reading any rows.
    """
    earliest, latest = bookable_window(station, now)
    return [
        (start, end)
        for plan in bookable_days(station, now)
        for start, end in slot_starts(station, plan)
        if earliest <= start <= latest
    ]


def _rows_between(
    session: Session, station: Station, first: datetime, last: datetime
) -> dict[datetime, SlotView]:
    """The station's slot rows from `first` to `last` (inclusive), as views by start.

    Plain columns rather than BookingSlot objects: sessions keep objects across commits,
    so a loaded object's `booked` could be older than the row.
    """
    rows = session.execute(
        select(
            BookingSlot.id,
            BookingSlot.starts_at,
            BookingSlot.ends_at,
            BookingSlot.capacity,
            BookingSlot.booked,
        ).where(
            BookingSlot.station_id == station.id,
            BookingSlot.starts_at >= first,
            BookingSlot.starts_at <= last,
        )
    )
    return {
        row.starts_at: SlotView(row.id, row.starts_at, row.ends_at, row.capacity, row.booked)
        for row in rows
    }


def slot_views(
    session: Session, station: Station, starts: list[tuple[datetime, datetime]]
) -> list[SlotView]:
    """The slots at `starts` (from `slot_starts`), in the order given, free or full.

    One statement reads every row between the earliest and the latest start; only when a
    start has no row yet (a day nobody has looked at) are that day's rows created first.
    """
    if not starts:
        return []
    first, last = min(s for s, _ in starts), max(s for s, _ in starts)
    rows = _rows_between(session, station, first, last)
    missing = sorted({s.astimezone(LOCAL_TZ).date() for s, _ in starts if s not in rows})
    if missing:
        for day in missing:
            ensure_slots(session, station, day)
        rows = _rows_between(session, station, first, last)
    return [rows[s] for s, _ in starts if s in rows]
