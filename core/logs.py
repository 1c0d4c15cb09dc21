"""Logging set-up for the processes (serve, gunicorn, scheduler)."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces every connection at INFO; its upgrades are still logged at WARNING+.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
