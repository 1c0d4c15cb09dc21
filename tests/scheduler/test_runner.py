"""The scheduler registers jobs by stable id, so restarts never add copies."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.jobs import JOBS, heartbeat
from scheduler.runner import build_scheduler, stop


def test_restarting_does_not_duplicate_jobs(app, settings):
    for _ in range(2):
        scheduler = build_scheduler(settings, BackgroundScheduler)
        scheduler.start(paused=True)
        ids = sorted(job.id for job in scheduler.get_jobs())
        stop(scheduler, wait=False)
    assert ids == sorted(job.id for job in JOBS)


def test_heartbeat_shows_in_healthz(client):
    assert client.get("/healthz").json["scheduler_last_seen"] is None
    heartbeat()
    assert client.get("/healthz").json["scheduler_last_seen"]


def test_jobs_use_the_settings_the_process_started_with(app, settings, monkeypatch):
    """`vetbot serve --port 8080` changes the public address after reading the environment;
    reminders and broadcasts started by its scheduler must link there, not to :5000."""
    from core.booking import reminders
    from scheduler import jobs

    seen = []
    monkeypatch.setattr(reminders, "send_due", lambda _s, chosen, _now: seen.append(chosen))
    started_with = settings.with_overrides(public_base_url="http://127.0.0.1:8080")
    build_scheduler(started_with, BackgroundScheduler)
    try:
        jobs.booking_reminders()
    finally:
        jobs.use_settings(settings)
    assert [s.public_base_url for s in seen] == ["http://127.0.0.1:8080"]
