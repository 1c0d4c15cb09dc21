"""The job list: stable ids, so a restart replaces jobs instead of adding copies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.cache import cache
from core.config import load_settings
from core.db import db
from core.services import reminders
from core.timeutil import utcnow

HEARTBEAT_KEY = ("scheduler", "heartbeat")


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any]


def heartbeat() -> None:
    """Lets /healthz tell whether the scheduler process is alive."""
    cache.set(cache.key(*HEARTBEAT_KEY), utcnow().isoformat(), ttl=300)


def booking_reminders() -> None:
    """Day-before and 2-hour reminders; claims make overlapping runs and restarts harmless.

    Settings are read when the job runs, not stored with it: the job store pickles its
    arguments into the database, and settings carry secrets.
    """
    session = db.session()
    try:
        reminders.send_due(session, load_settings(), utcnow())
    finally:
        db.session.remove()


JOBS: list[JobSpec] = [
    JobSpec("scheduler.heartbeat", heartbeat, "interval", {"seconds": 60}),
    JobSpec("booking.reminders", booking_reminders, "interval", {"minutes": 5}),
]
