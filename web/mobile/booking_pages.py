"""What the /m/book and /m/bookings pages show, shaped for templates.

Booking on a phone is three choices (what for, which day, what time) and a
confirmation. Every choice is a plain link, so the page works without JavaScript in
any WeChat version; only the confirmation is a form (POST, CSRF-protected). The rules
(hours, notice, desks, limits) stay in core.booking.booking; this module only reads
the request's words and lays out what the services answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking import availability, station_services
from core.booking.availability import SlotView
from core.booking.models import ACTIVE, CANCELLED, STATUS_LABELS, Booking, Station
from core.booking.station_services import ServiceItem
from core.booking.texts import when_text
from core.config import Settings
from core.timeutil import LOCAL_TZ, WEEKDAYS, local_today, span_text
from core.wechat import links

NOON = time(12, 0)
HH_MM = len("09:30")  # times in page addresses are written HH:MM, nothing else
# The ids of book.html's step headings: each choice's link opens the page at the next step.
STEP_DAY, STEP_TIME, STEP_CONFIRM = "step-day", "step-time", "confirm-title"
SLOT_GONE = "这个时间已约满或已不能预约，请另选一个时间。"


@dataclass(frozen=True)
class Chip:
    label: str
    url: str
    selected: bool = False
    note: str = ""


@dataclass(frozen=True)
class SlotButton:
    time: str  # "09:00", local
    free: int
    url: str  # the confirmation step for this slot


@dataclass(frozen=True)
class Choice:
    """A free slot offered after a failure, booked with one tap (a small form)."""

    day: str  # ISO date
    time: str
    label: str


@dataclass
class BookPage:
    station: Station
    reschedule: Booking | None
    services: list[Chip]
    service: ServiceItem | None
    days: list[Chip] = field(default_factory=list)
    day: date | None = None
    morning: list[SlotButton] = field(default_factory=list)
    afternoon: list[SlotButton] = field(default_factory=list)
    chosen: SlotView | None = None
    problem: str = ""
    alternatives: list[Choice] = field(default_factory=list)

    @property
    def day_iso(self) -> str:
        return self.day.isoformat() if self.day else ""

    @property
    def chosen_time(self) -> str:
        return f"{self.chosen.local_start:%H:%M}" if self.chosen else ""

    @property
    def chosen_when(self) -> str:
        if self.chosen is None:
            return ""
        return span_text(self.chosen.starts_at, self.chosen.ends_at)

    @property
    def reschedule_when(self) -> str:
        return when_text(self.reschedule) if self.reschedule else ""

    @property
    def back_url(self) -> str:
        return _book_url(self, STEP_TIME, time=None)


@dataclass(frozen=True)
class BookingCard:
    booking: Booking
    when: str
    service: str
    status: str
    upcoming: bool  # active and not over: can be cancelled or moved
    ics_url: str


# -- parsing the request's words --------------------------------------------------


def parse_int(value: str | None) -> int | None:
    """A positive id or item number; anything else (or too big for the database) is None."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_time(value: str | None) -> time | None:
    try:
        parsed = time.fromisoformat(value) if value and len(value) == HH_MM else None
    except ValueError:
        return None
    return parsed


def starts_at(day: date, at: time) -> datetime:
    """A Shanghai wall-clock start as the UTC instant the booking service takes."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


# -- texts ------------------------------------------------------------------------


def slot_text(view: SlotView) -> str:
    return span_text(view.starts_at)


def _day_note(plan: availability.DayPlan, today: date) -> str:
    """Under the date on a chip: 今天/明天 or the weekday, and why the day is special."""
    when = {0: "今天", 1: "明天"}.get((plan.day - today).days, WEEKDAYS[plan.day.weekday()])
    return f"{when} {plan.reason}" if plan.reason else when


# -- the booking page --------------------------------------------------------------


def _book_url(page: BookPage, anchor: str | None = None, **changes: object) -> str:
    """The page with one choice changed, opened at the step that choice leads to (`anchor`,
    a heading's id), so a person is not sent back to the top after each tap: the browser
    scrolls there itself, no script needed."""
    params: dict[str, Any] = {
        "station": None if page.reschedule else page.station.id,
        "reschedule": page.reschedule.code if page.reschedule else None,
        "service": page.service.no if page.service else None,
        "day": page.day_iso or None,
    }
    params.update(changes)
    chosen = {k: v for k, v in params.items() if v is not None}
    return url_for("mobile.book", _anchor=anchor, **chosen)


def book_page(
    session: Session,
    station: Station,
    now: datetime,
    *,
    service_no: int | None = None,
    day: date | None = None,
    at: time | None = None,
    reschedule: Booking | None = None,
) -> BookPage:
    """The page for the choices made so far; unknown or stale choices are simply dropped."""
    offered = station_services.bookable_for(station.services)
    chosen_service = next((s for s in offered if s.no == service_no), None)
    if chosen_service is None and len(offered) == 1:
        chosen_service = offered[0]
    page = BookPage(station, reschedule, [], chosen_service)
    page.services = [
        Chip(s.name, _book_url(page, STEP_DAY, service=s.no, time=None), s is chosen_service)
        for s in offered
    ]
    if chosen_service is None:
        return page
    plans = availability.bookable_days(station, now)
    if plans:
        page.day = day if day in {p.day for p in plans} else plans[0].day
    today = local_today(now)
    page.days = [
        Chip(
            f"{p.day.month}月{p.day.day}日",
            _book_url(page, STEP_TIME, day=p.day.isoformat(), time=None),
            p.day == page.day,
            _day_note(p, today),
        )
        for p in plans
    ]
    if page.day is None:
        return page
    for view in availability.slots_for_day(session, station, page.day, now):
        start = view.local_start
        label = f"{start:%H:%M}"
        if at is not None and start.time() == at and view.free:
            page.chosen = view
        button = SlotButton(label, view.free, _book_url(page, STEP_CONFIRM, time=label))
        (page.morning if start.time() < NOON else page.afternoon).append(button)
    if at is not None and page.chosen is None:
        page.problem = SLOT_GONE
    return page


def choices(alternatives: list[SlotView]) -> list[Choice]:
    return [
        Choice(v.local_start.date().isoformat(), f"{v.local_start:%H:%M}", slot_text(v))
        for v in alternatives
    ]


# -- my bookings ----------------------------------------------------------------------


def booking_card(settings: Settings, booking: Booking, now: datetime) -> BookingCard:
    upcoming = booking.status == ACTIVE and booking.slot.ends_at >= now
    return BookingCard(
        booking=booking,
        when=when_text(booking),
        service=station_services.name_of(booking.service),
        status=STATUS_LABELS.get(booking.status, booking.status),
        upcoming=upcoming,
        ics_url=links.booking_ics_url(settings, booking.code),
    )


def split_bookings(
    settings: Settings, bookings: list[Booking], now: datetime
) -> tuple[list[BookingCard], list[BookingCard]]:
    """Upcoming active ones soonest first; the rest (past, cancelled, done) newest first."""
    cards = [booking_card(settings, b, now) for b in bookings]
    upcoming = sorted((c for c in cards if c.upcoming), key=lambda c: c.booking.slot.starts_at)
    rest = sorted(
        (c for c in cards if not c.upcoming), key=lambda c: c.booking.slot.starts_at, reverse=True
    )
    return upcoming, rest


def booking_by_code(session: Session, code: str) -> Booking | None:
    """Only for the .ics link, whose signed token is itself the proof of access."""
    return session.scalar(select(Booking).where(Booking.code == code))


# -- calendar file --------------------------------------------------------------------


def ics_bytes(settings: Settings, booking: Booking, now: datetime) -> bytes:
    """One event in UTC, so every calendar app shows the right local time."""
    station = booking.station
    service = station_services.name_of(booking.service)
    calendar = Calendar()
    calendar.add("prodid", "-//vetbot//嘉定退役军人就业服务//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.public_base_url.split("://", 1)[-1].split("/", 1)[0] or "vetbot"
    event.add("uid", f"booking-{booking.code}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.slot.starts_at.astimezone(UTC))
    event.add("dtend", booking.slot.ends_at.astimezone(UTC))
    event.add("summary", f"{station.name}：{service}")
    event.add("location", station.address or station.name)
    lines = [f"预约码：{booking.code}", f"事项：{service}", "到站时请出示预约码。"]
    if station.phone:
        lines.append(f"服务站电话：{station.phone}")
    event.add("description", "\n".join(lines))
    if station.latitude is not None and station.longitude is not None:
        event.add("geo", (station.latitude, station.longitude))
    cancelled = booking.status == CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"预约提醒：{station.name}")
        alarm.add("trigger", timedelta(hours=-1))
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
