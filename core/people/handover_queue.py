"""人工 requests the database could not take when they came, kept until it can.

A locked SQLite file (another writer mid-transaction) or a PostgreSQL restart used to
lose the request: the chat waited for the lock past WeChat's 5 s and then apologised,
and nobody saw the request. Now the chat path waits a bounded time
(Settings.chat_db_busy_seconds), then puts the request here, in a Redis list shared by
every worker, and tells the person it is received. The scheduler's `handover.queued`
job saves what is queued once the database answers again (the note, and the time it was
asked, as the inbox shows it), oldest first; while the database is still down the
requests stay queued for the next run.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.cache import cache
from core.db import TRANSIENT_ERRORS
from core.people import handover, people
from core.timeutil import utcnow

log = logging.getLogger(__name__)

SAVE_AT_MOST = 200  # per run; the rest wait for the next one


def _key() -> str:
    return cache.key("handover", "queued")


def enqueue(openid: str, note: str) -> bool:
    """Keep a request for later; False if Redis cannot take it either (nothing kept)."""
    item = json.dumps({"openid": openid, "note": note, "at": utcnow().isoformat()})
    replies = cache.send("handover queue", ("RPUSH", _key(), item))
    return replies is not None


def pending_count() -> int:
    replies = cache.send("handover queue", ("LLEN", _key()))
    return 0 if replies is None else int(replies[0])


def save_queued(session: Session) -> int:
    """Save queued requests, oldest first, each in its own transaction; how many were saved.

    A request taken from the queue goes back to its head if the database fails again, and
    the run stops there: the order is kept and nothing is lost.
    """
    saved = 0
    for _ in range(SAVE_AT_MOST):
        replies = cache.send("handover queue", ("LPOP", _key()))
        if replies is None or replies[0] is None:
            break
        raw = str(replies[0])
        item = _parse(raw)
        if item is None:
            continue
        try:
            _save(session, item)
            session.commit()
        except TRANSIENT_ERRORS:
            session.rollback()
            cache.send("handover queue", ("LPUSH", _key(), raw))
            log.info("database still unavailable; %s queued handover(s) wait", pending_count())
            break
        saved += 1
    return saved


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        item = json.loads(raw)
        datetime.fromisoformat(item["at"])
    except (ValueError, KeyError, TypeError):
        log.error("dropped an unreadable queued handover: %r", raw[:200])
        return None
    if not isinstance(item.get("openid"), str) or not isinstance(item.get("note"), str):
        log.error("dropped an unreadable queued handover: %r", raw[:200])
        return None
    return item


def _save(session: Session, item: dict[str, Any]) -> None:
    person = people.get_or_create_person(session, item["openid"])
    request, created = handover.request_person(session, person, item["note"])
    if created:
        request.created_at = datetime.fromisoformat(item["at"])
