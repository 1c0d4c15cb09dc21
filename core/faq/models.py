"""The policy FAQ as curated in the console, and the log of every question asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow

# What the bot did with a question.
ANSWERED = "answer"
SUGGESTED = "suggest"
MISSED = "fallback"
TIER_LABELS = {ANSWERED: "已回答", SUGGESTED: "给出候选", MISSED: "未能回答"}


class FaqEntry(Base):
    """One question and its answer; loaded from content/policy_faq/ and edited by curators."""

    __tablename__ = "faq_entry"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(String(200))
    similar: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(20))
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    file: Mapped[str] = mapped_column(String(120), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class FaqQuery(Base):
    """A question put to the FAQ, what came of it, and what the person did next."""

    __tablename__ = "faq_query"
    __table_args__ = (Index("ix_faq_query_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # The chat message it came from (its message-log dedup key): chat questions are logged
    # in batches, so a follow-up ("1", "没用") finds its question by this, not by a row id.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(12), default="chat")  # chat, page, cli
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(400), index=True)
    tier: Mapped[str] = mapped_column(String(12), index=True)
    faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(default=0.0)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    chosen_faq_id: Mapped[str | None] = mapped_column(String(64))
    unhelpful: Mapped[bool] = mapped_column(default=False)
    resolved: Mapped[bool] = mapped_column(default=False)  # a curator has dealt with it
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
