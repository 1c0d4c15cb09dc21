"""What a process does before serving: schema, content, demo data, warm caches.

Shared by `vetbot serve`, gunicorn's preloaded app and the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from core import migrate
from core.config import Settings
from core.db import db

log = logging.getLogger(__name__)
T = TypeVar("T")


def _committed(work: Callable[[Session], T]) -> T:
    """Run one start-up step in its own transaction and release the session after."""
    session = db.session()
    try:
        result = work(session)
        session.commit()
        return result
    finally:
        db.session.remove()


def prepare_database(settings: Settings) -> bool:
    """Migrate to head, load the FAQ on first start and, if enabled, demo data."""
    migrate.upgrade(settings.sqlalchemy_url)
    load_content()
    if not settings.load_demo_data:
        return False
    from core.demo import load_demo_data

    added = _committed(load_demo_data)
    if added:
        log.info("loaded demo data (sample stations and accounts)")
    return added


def load_content() -> int:
    """The policy FAQ from content/policy_faq/, on first start only (curators edit after)."""
    from core.faq.content import load_if_empty

    added = _committed(load_if_empty)
    if added:
        log.info("loaded %d FAQ entries from content/policy_faq", added)
    return added


def warm_up(settings: Settings) -> None:
    """Load the tokenizer, build the FAQ index and train the intent model now (before
    gunicorn forks), not on the first message."""
    from core.faq.catalog import catalog_cache, text_processor

    text_processor(settings.instance_path / "jieba")
    catalog = _committed(catalog_cache.get)
    # The intent model learns `policy` from the FAQ: trained here too, before any fork.
    from core.nlu.curation import added_phrasings
    from core.nlu.data import catalog_entries
    from core.nlu.understand import understander

    _stamp, added = _committed(added_phrasings.get)
    understander(text_processor(), lambda: catalog_entries(catalog), catalog.index, added)
