"""The message log: every message in and every reply or push out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.people.models import Person
from core.timeutil import utcnow

IN = "in"
OUT = "out"


class MessageLog(Base):
    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))
    # text, voice, image, location, event:subscribe, ... for "in"; text, news for "out"
    msg_type: Mapped[str] = mapped_column(String(40))
    # passive (reply to a callback), custom (customer-service), template, outbox
    channel: Mapped[str] = mapped_column(String(20), default="passive")
    # The WeChat dedup key of an inbound message; unique so a retry can never log twice.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("message_log.id"))
    content: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    handler: Mapped[str | None] = mapped_column(String(80))
    intent: Mapped[str | None] = mapped_column(String(80))
    # On a reply: what the understanding step read in the message (core.nlu) and how sure
    # it was, so curators can see what was misunderstood (console: 未理解的消息).
    understood: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()
