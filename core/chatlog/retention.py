"""Retention: message logs and question logs older than the district's limit are deleted.

`VETBOT_RETENTION_DAYS` (default 180) is the limit; the scheduler's `privacy.retention`
job runs `purge` daily and the privacy notice quotes the same setting. Rows are deleted,
not kept in a reduced form: a message's text is what makes it personal, and the counts
staff use (the dashboard, the curation pages) look at recent weeks only.

Deleting in chunks keeps each transaction short, so a first run over years of history
never holds the log's locks for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.chatlog.models import MessageLog

if TYPE_CHECKING:
    from core.faq.models import FaqQuery

CHUNK = 5000


@dataclass(frozen=True)
class Purged:
    messages: int
    questions: int
    cutoff: datetime


def cutoff_for(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def purge(session: Session, days: int, now: datetime) -> Purged:
    """Delete message-log and FAQ-question rows created before `now - days`; commits per chunk."""
    from core.faq.models import FaqQuery

    cutoff = cutoff_for(now, days)
    messages = _delete_chunks(session, MessageLog, cutoff)
    questions = _delete_chunks(session, FaqQuery, cutoff)
    return Purged(messages, questions, cutoff)


def _delete_chunks(
    session: Session, model: type[MessageLog] | type[FaqQuery], cutoff: datetime
) -> int:
    """Oldest first, CHUNK rows per transaction, until nothing older than `cutoff` is left."""
    total = 0
    while True:
        ids = list(
            session.scalars(
                select(model.id).where(model.created_at < cutoff).order_by(model.id).limit(CHUNK)
            )
        )
        if not ids:
            return total
        if model is MessageLog:  # a reply (in this chunk or kept) may point at one of them
            session.execute(
                update(MessageLog)
                .where(MessageLog.reply_to_id.in_(ids))
                .values(reply_to_id=None)
                .execution_options(synchronize_session=False)
            )
        session.execute(
            delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
        )
        session.commit()
        total += len(ids)
