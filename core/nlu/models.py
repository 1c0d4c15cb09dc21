"""Phrasings staff add from the console: a message the bot misread, taught to an intent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow

PHRASING_MAX_CHARS = 200


class IntentPhrasing(Base):
    """One more way of asking for an intent, learned with content/intents/phrasings/."""

    __tablename__ = "intent_phrasing"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(PHRASING_MAX_CHARS), unique=True)
    intent: Mapped[str] = mapped_column(String(40))
    added_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
