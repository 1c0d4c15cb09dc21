"""Time in one place: stored in UTC, shown in Asia/Shanghai.

"Now" comes from `utcnow()` alone (services take it as an argument from their caller),
and `utcnow()` reads one clock, `_clock`. A test that needs a fixed date replaces that
clock (`set_clock`, or `tests.clock.frozen_clock`) rather than every module's `utcnow`:
modules hold `utcnow` by name, and SQLAlchemy holds it as column defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = system_clock


def utcnow() -> datetime:
    """Now, in UTC: the system's clock unless a test has set another."""
    return _clock()


def set_clock(clock: Clock | None) -> Clock:
    """Read "now" from `clock` from here on (None: the system's); returns the clock it
    replaces, to put back. For tests: the whole process shares the one clock."""
    global _clock
    previous, _clock = _clock, clock or system_clock
    return previous


def local(dt: datetime) -> datetime:
    """The same instant on Shanghai's clock, for display."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(LOCAL_TZ)


def local_text(dt: datetime | None) -> str:
    return "" if dt is None else local(dt).strftime("%Y-%m-%d %H:%M")


# -- dates and times as people read them (chat, pages and pushes alike) -------------

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def local_today(now: datetime | None = None) -> date:
    """Today's date in Shanghai: what "今天" means to the people we serve."""
    return local(now or utcnow()).date()


def day_text(day: date, today: date | None = None) -> str:
    """ "12月3日 周四", with （今天）/（明天） when `today` is given and it helps."""
    label = f"{day.month}月{day.day}日 {WEEKDAYS[day.weekday()]}"
    if today is not None and day == today:
        label += "（今天）"
    elif today is not None and day == today + timedelta(days=1):
        label += "（明天）"
    return label


def clock_text(dt: datetime) -> str:
    """ "09:00" on Shanghai's clock."""
    return f"{local(dt):%H:%M}"


def span_text(start: datetime, end: datetime | None = None, today: date | None = None) -> str:
    """ "12月3日 周四 09:00-12:00" (a booking, an event); an end on another day is written
    out ("… 至 12月4日 周五 12:00"); no end gives the start alone."""
    first = local(start)
    text = f"{day_text(first.date(), today)} {first:%H:%M}"
    if end is None:
        return text
    last = local(end)
    if last.date() == first.date():
        return f"{text}-{last:%H:%M}"
    return f"{text} 至 {day_text(last.date())} {last:%H:%M}"


def periods_text(periods: Iterable[tuple[time, time]]) -> str:
    """Opening periods of a day: "09:00-11:30、13:30-17:00"."""
    return "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in periods)
