"""Curating understanding: the messages the bot misread, and teaching it their meaning.

A message counts as misread when the bot could not place it (the FAQ's fallback, or
none of its business) or placed it with little confidence. Staff read them with the
intent the bot chose, and add one to an intent in two clicks; the model learns it the
next time it is trained (within a few seconds in every process: AddedPhrasings).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.chatlog.models import IN, OUT, MessageLog
from core.faq.catalog import SessionSource, session_of
from core.faq.schema import fold
from core.nlu.intents import INTENTS
from core.nlu.models import PHRASING_MAX_CHARS, IntentPhrasing
from core.timeutil import utcnow

# Below this the understanding step was guessing (its decision value; see core.nlu).
LOW_CONFIDENCE = 0.0
NOT_UNDERSTOOD = ("faq_fallback", "none")
CHECK_EVERY_SECONDS = 3.0
SHOWN_GROUPS = 100
EXAMPLES = 3  # other wordings shown under a group


class PhrasingError(ValueError):
    """A phrasing staff tried to add that cannot be (its message is in Chinese)."""


@dataclass
class Misread:
    """One wording the bot misread, with how often and what it took it for."""

    text: str
    understood: str
    confidence: float
    count: int
    last: datetime
    examples: list[str] = field(default_factory=list)


def misread(session: Session, days: int, now: datetime | None = None) -> list[Misread]:
    """Misread messages of the last `days` days, alike wordings together, most frequent first."""
    since = (now or utcnow()) - timedelta(days=days)
    inbound = aliased(MessageLog)
    rows = session.execute(
        select(inbound.content, MessageLog.understood, MessageLog.confidence, MessageLog.created_at)
        .join(inbound, inbound.id == MessageLog.reply_to_id)
        .where(
            MessageLog.direction == OUT,
            inbound.direction == IN,
            MessageLog.understood.is_not(None),
            MessageLog.created_at >= since,
            or_(
                MessageLog.intent.in_(NOT_UNDERSTOOD),
                and_(MessageLog.confidence.is_not(None), MessageLog.confidence < LOW_CONFIDENCE),
            ),
        )
        .order_by(MessageLog.created_at.desc())
    )
    known = set(added_texts(session))
    groups: dict[str, Misread] = {}
    for content, understood, confidence, at in rows:
        key = fold(content)
        if not key or key in known:
            continue
        group = groups.get(key)
        if group is None:
            groups[key] = Misread(content, str(understood), float(confidence or 0.0), 1, at)
        else:
            group.count += 1
            if (
                content not in group.examples
                and content != group.text
                and len(group.examples) < EXAMPLES
            ):
                group.examples.append(content)
    return sorted(groups.values(), key=lambda g: (-g.count, -g.last.timestamp()))[:SHOWN_GROUPS]


def added_texts(session: Session) -> list[str]:
    return [fold(t) for t in session.scalars(select(IntentPhrasing.text))]


def add_phrasing(session: Session, text: str, intent: str, by: str) -> IntentPhrasing:
    """Teach `text` as a way of asking for `intent`; adding it again moves it there."""
    text = text.strip()
    if intent not in INTENTS:
        raise PhrasingError("请选择一个意图。")
    if not fold(text):
        raise PhrasingError("这条消息没有可学习的文字。")
    if len(text) > PHRASING_MAX_CHARS:
        raise PhrasingError(f"说法太长（最多 {PHRASING_MAX_CHARS} 字），请截取关键部分。")
    row = session.scalar(select(IntentPhrasing).where(IntentPhrasing.text == text))
    if row is None:
        row = IntentPhrasing(text=text, intent=intent, added_by=by)
        session.add(row)
    else:  # moved to another intent: a new stamp, so every process re-reads them
        row.intent, row.added_by, row.created_at = intent, by, utcnow()
    session.flush()
    added_phrasings.invalidate()
    return row


class AddedPhrasings:
    """The phrasings staff added, as (text, intent), re-read when they change: a cheap stamp
    query at most every few seconds per process, as the FAQ's catalog does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked = 0.0
        self._current: tuple[tuple[object, ...], tuple[tuple[str, str], ...]] = ((), ())

    def get(self, source: SessionSource) -> tuple[tuple[object, ...], tuple[tuple[str, str], ...]]:
        """(a stamp that changes with them, the phrasings); `source` is asked for a session
        only when the stamp is due to be compared."""
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY_SECONDS:
            return self._current
        with self._lock:
            session = session_of(source)
            count, latest = session.execute(
                select(func.count(IntentPhrasing.id), func.max(IntentPhrasing.created_at))
            ).one()
            stamp = (count, str(latest))
            if stamp != self._current[0]:
                rows = session.execute(
                    select(IntentPhrasing.text, IntentPhrasing.intent).order_by(IntentPhrasing.id)
                )
                self._current = (stamp, tuple((t, i) for t, i in rows))
            self._checked = time.monotonic()
            return self._current

    def invalidate(self) -> None:
        """This process added one: read them again on the next message."""
        self._checked = 0.0


added_phrasings = AddedPhrasings()
