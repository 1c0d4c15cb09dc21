"""Logging set-up for the processes (serve, gunicorn, scheduler)."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces every connection at INFO; its upgrades are still logged at WARNING+.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # Newer Alembic lists each of its plugins at INFO on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # "Adding job tentatively" for every job at every start says nothing to an operator.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
