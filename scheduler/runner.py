"""The scheduler process: APScheduler with its job store in the main database."""

from __future__ import annotations

import logging
import signal
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from core.config import Settings
from core.timeutil import LOCAL_TZ
from scheduler.jobs import JOBS, use_settings

log = logging.getLogger(__name__)


def build_scheduler(settings: Settings, scheduler_cls: Any = BlockingScheduler) -> Any:
    """Jobs are (re)registered by id with replace_existing, so restarts never duplicate them."""
    use_settings(settings)
    # Two INFO lines per run of a job every 5 seconds would bury everything else; the jobs
    # log what they do, and APScheduler still logs a failed run as an error.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = scheduler_cls(
        jobstores={
            "default": SQLAlchemyJobStore(url=settings.sqlalchemy_url, tablename="apscheduler_jobs")
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=LOCAL_TZ,
    )
    for job in JOBS:
        scheduler.add_job(
            job.func, job.trigger, id=job.id, replace_existing=True, **job.arguments(settings)
        )
    return scheduler


def start_in_process(settings: Settings) -> Any:
    """For `vetbot serve`: the same jobs on a background thread, so one command sends
    reminders and broadcasts. Off in production and when VETBOT_SERVE_SCHEDULER=0 (a
    separate `vetbot scheduler` runs); None when off."""
    if settings.is_production or not settings.serve_runs_scheduler:
        return None
    scheduler = build_scheduler(settings, BackgroundScheduler)
    scheduler.start()
    log.info("in-process scheduler started with jobs: %s", ", ".join(j.id for j in JOBS))
    return scheduler


def stop(scheduler: BackgroundScheduler, *, wait: bool = True) -> None:
    """Stop a background scheduler and close every connection its job store opened.

    APScheduler closes its job store first and then lets its loop run one more round,
    which opens a job-store connection again; once `shutdown` has joined the loop's
    thread, removing the store closes that one too.
    """
    scheduler.shutdown(wait=wait)
    scheduler.remove_jobstore("default")


def run(settings: Settings) -> None:
    scheduler = build_scheduler(settings)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started with jobs: %s", ", ".join(j.id for j in JOBS))
    scheduler.start()
