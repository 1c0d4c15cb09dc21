"""The message log: what came in, what went out, and which handler answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.chatlog.models import IN, OUT, MessageLog
from core.people.models import Person


def log_inbound(
    session: Session, person: Person, msg_type: str, content: str, dedup_key: str | None
) -> MessageLog:
    """Flush at once: the unique dedup key makes a concurrent retry fail here, before any work."""
    row = MessageLog(
        person=person, direction=IN, msg_type=msg_type, content=content, dedup_key=dedup_key
    )
    session.add(row)
    session.flush()
    return row


def log_outbound(  # noqa: PLR0913 - one keyword-only argument per column of the row it writes
    session: Session,
    person: Person,
    *,
    msg_type: str,
    content: str,
    channel: str,
    reply_to: MessageLog | None = None,
    payload: dict[str, Any] | None = None,
    handler: str | None = None,
    intent: str | None = None,
) -> MessageLog:
    row = MessageLog(
        person=person,
        direction=OUT,
        msg_type=msg_type,
        content=content,
        channel=channel,
        reply_to_id=reply_to.id if reply_to else None,
        payload=payload,
        handler=handler,
        intent=intent,
    )
    session.add(row)
    session.flush()
    return row


def stored_reply_payload(session: Session, dedup_key: str) -> dict[str, Any] | None:
    """The reply already given to a message, so a retry gets the identical answer."""
    inbound = session.scalar(select(MessageLog).where(MessageLog.dedup_key == dedup_key))
    if inbound is None:
        return None
    reply = session.scalar(
        select(MessageLog)
        .where(MessageLog.reply_to_id == inbound.id, MessageLog.channel == "passive")
        .order_by(MessageLog.id)
        .limit(1)
    )
    return reply.payload if reply is not None else None


def recent_messages(session: Session, person_id: int, limit: int = 30) -> list[MessageLog]:
    rows = session.scalars(
        select(MessageLog)
        .where(MessageLog.person_id == person_id)
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))
