"""A fixed clock for tests of whole conversations, and its clean removal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from core import timeutil


@contextmanager
def frozen_clock(
    monkeypatch: pytest.MonkeyPatch, when: datetime, where: tuple[str, ...] = ()
) -> Iterator[None]:
    """Inside the block `core.timeutil.utcnow()` answers `when`, whoever calls it.

    Everything reads "now" through that one clock, so it is all that is replaced: modules
    holding `utcnow` by name, modules first imported during the test and the tables'
    column defaults all see `when`, and the real clock is back when the block ends.
    `monkeypatch` and `where` (the modules to patch, once) are no longer needed; they
    stay so that existing calls keep working.
    """
    fixed = when.astimezone(UTC)
    previous = timeutil.set_clock(lambda: fixed)
    try:
        yield
    finally:
        timeutil.set_clock(previous)


# Monday 2026-12-07 08:00 in Shanghai: the conversation tests' "today" ("明天" is a working
# Tuesday, "周六" five days on).
MONDAY_MORNING = datetime(2026, 12, 7, 8, 0, tzinfo=timeutil.LOCAL_TZ)


@pytest.fixture
def monday_morning(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """The clock fixed at MONDAY_MORNING for the whole test."""
    with frozen_clock(monkeypatch, MONDAY_MORNING):
        yield MONDAY_MORNING
