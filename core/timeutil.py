"""Time in one place: stored in UTC, shown in Asia/Shanghai.

"Now" comes from `utcnow()` alone (services take it as an argument from their caller),
and `utcnow()` reads one clock, `_clock`. A test that needs a fixed date replaces that
clock (`set_clock`, or `tests.clock.frozen_clock`) rather than every module's `utcnow`:
modules hold `utcnow` by name, and SQLAlchemy holds it as column defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
