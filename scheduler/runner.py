"""The scheduler process: APScheduler with its job store in the main database."""

from __future__ import annotations

import logging
import signal
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from core.config import Settings
from core.timeutil import LOCAL_TZ
from scheduler.jobs import JOBS

log = logging.getLogger(__name__)


def build_scheduler(settings: Settings, scheduler_cls: Any = BlockingScheduler) -> Any:
    """Jobs are (re)registered by id with replace_existing, so restarts never duplicate them."""
    scheduler = scheduler_cls(
        jobstores={
            "default": SQLAlchemyJobStore(url=settings.sqlalchemy_url, tablename="apscheduler_jobs")
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=LOCAL_TZ,
    )
    for job in JOBS:
        scheduler.add_job(
            job.func, job.trigger, id=job.id, replace_existing=True, **job.trigger_args
        )
    return scheduler


def run(settings: Settings) -> None:
    scheduler = build_scheduler(settings)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started with jobs: %s", ", ".join(j.id for j in JOBS))
    scheduler.start()
