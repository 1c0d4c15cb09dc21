"""The job list: stable ids, so a restart replaces jobs instead of adding copies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.booking import reminders
from core.cache import cache
from core.config import Settings, load_settings
from core.db import db
from core.timeutil import local_today, utcnow

HEARTBEAT_KEY = ("scheduler", "heartbeat")

_settings: Settings | None = None


def use_settings(settings: Settings) -> None:
    """The settings the process started with, for every job it runs.

    Not re-read from the environment when a job runs: `vetbot serve --port 8080` changes
    the public address after reading it, and reminders and broadcasts must link there.
    Not stored with the jobs either: the job store pickles arguments into the database,
    and settings carry secrets.
    """
    global _settings
    _settings = settings


def settings() -> Settings:
    return _settings if _settings is not None else load_settings()


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any]
    # Trigger arguments that come from the settings (the digest's time of day).
    timed_by: Callable[[Settings], dict[str, Any]] | None = None

    def arguments(self, settings: Settings) -> dict[str, Any]:
        return {**self.trigger_args, **(self.timed_by(settings) if self.timed_by else {})}


def heartbeat() -> None:
    """Lets /healthz tell whether the scheduler process is alive."""
    cache.set(cache.key(*HEARTBEAT_KEY), utcnow().isoformat(), ttl=300)


def booking_reminders() -> None:
    """Day-before and 2-hour reminders; claims make overlapping runs and restarts harmless.

    Settings are the process's (`use_settings`), not stored with the job.
    """
    session = db.session()
    try:
        reminders.send_due(session, settings(), utcnow())
    finally:
        db.session.remove()


def expire_postings() -> None:
    """Close postings past their last day, so every list drops them without a date filter."""
    from core.jobs import admin as job_admin

    session = db.session()
    try:
        now = utcnow()
        job_admin.expire_due(session, local_today(now), now)
        session.commit()
    finally:
        db.session.remove()


_broadcasting = threading.Lock()


def dispatch_broadcasts() -> None:
    """Start due broadcasts and resume those whose worker died (its lease ran out).

    A broadcast may take many minutes at WeChat's rate, so it is sent on a thread of its
    own, one at a time per process (the rate limit is per process); this job returns at
    once and, while that thread is busy, does nothing.
    """
    if not _broadcasting.acquire(blocking=False):
        return

    def send() -> None:
        from core.broadcast import send as broadcast_send

        try:
            broadcast_send.dispatch(db.session(), settings())
        finally:
            db.session.remove()
            _broadcasting.release()

    threading.Thread(target=send, name="broadcast-dispatch", daemon=True).start()


def daily_digest() -> None:
    """The opt-in digest of new matching postings; claims make reruns harmless."""
    from core.jobs import digest

    session = db.session()
    try:
        digest.send_due(session, settings(), utcnow())
    finally:
        db.session.remove()


def save_queued_handovers() -> int:
    """人工 requests the database could not take when they came (core.people.handover_queue)."""
    from core.people import handover_queue

    session = db.session()
    try:
        return handover_queue.save_queued(session)
    finally:
        db.session.remove()


def privacy_retention() -> int:
    """Delete message logs and question logs older than `VETBOT_RETENTION_DAYS`."""
    from core.chatlog import retention

    session = db.session()
    try:
        purged = retention.purge(session, settings().retention_days, utcnow())
        return purged.messages + purged.questions
    finally:
        db.session.remove()


def _digest_trigger(settings: Settings) -> dict[str, Any]:
    from core.jobs.digest import parse_time

    at = parse_time(settings.digest_time)
    return {"hour": at.hour, "minute": at.minute}


JOBS: list[JobSpec] = [
    JobSpec("scheduler.heartbeat", heartbeat, "interval", {"seconds": 60}),
    JobSpec("booking.reminders", booking_reminders, "interval", {"minutes": 5}),
    JobSpec("jobs.expire", expire_postings, "interval", {"hours": 1}),
    JobSpec("broadcasts.dispatch", dispatch_broadcasts, "interval", {"seconds": 5}),
    JobSpec("digest.daily", daily_digest, "cron", {}, timed_by=_digest_trigger),
    JobSpec("handover.queued", save_queued_handovers, "interval", {"seconds": 30}),
    # At night, when the log is quiet; a missed night is caught up by the next one.
    JobSpec("privacy.retention", privacy_retention, "cron", {"hour": 3, "minute": 30}),
]
