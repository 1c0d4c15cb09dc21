"""A fixed clock for tests of whole conversations, and its clean removal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from core import timeutil


@contextmanager
def frozen_clock(
    monkeypatch: pytest.MonkeyPatch, when: datetime, where: tuple[str, ...] = ("core", "bot")
) -> Iterator[None]:
    """Every `utcnow` in the modules named `where…` answers `when` inside the block.

    Modules hold `utcnow` by name (`from core.timeutil import utcnow`), so each one is
    patched. A module first imported during the test binds the fixed clock too, and
    monkeypatch would not know to undo that: afterwards every such name gets the real
    clock back, or later tests would live on this test's date.
    """
    real = timeutil.utcnow
    fixed = when.astimezone(UTC)

    def clock() -> datetime:
        return fixed

    for name, module in list(sys.modules.items()):
        if name.startswith(where) and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", clock)
    try:
        yield
    finally:
        for module in list(sys.modules.values()):
            if getattr(module, "utcnow", None) is clock:
                module.utcnow = real  # type: ignore[attr-defined]
