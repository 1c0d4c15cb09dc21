"""Process start-up shared by the web app, the CLI and the scheduler."""

from __future__ import annotations

from core.cache import cache
from core.config import Settings
from core.db import db


def init_core(settings: Settings) -> None:
    """Connect storage; cheap to call more than once."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    db.configure(settings.sqlalchemy_url)
    cache.configure(settings)
