"""The scheduler registers jobs by stable id, so restarts never add copies."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.jobs import JOBS, heartbeat
from scheduler.runner import build_scheduler


def test_restarting_does_not_duplicate_jobs(app, settings):
    for _ in range(2):
        scheduler = build_scheduler(settings, BackgroundScheduler)
        scheduler.start(paused=True)
        ids = sorted(job.id for job in scheduler.get_jobs())
        scheduler.shutdown(wait=False)
    assert ids == sorted(job.id for job in JOBS)


def test_heartbeat_shows_in_healthz(client):
    assert client.get("/healthz").json["scheduler_last_seen"] is None
    heartbeat()
    assert client.get("/healthz").json["scheduler_last_seen"]
