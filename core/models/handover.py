"""A person's request to talk to a member of staff (the `人工` command)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.models.person import Person
from core.models.staff import StaffUser
from core.timeutil import utcnow

OPEN = "open"
ANSWERED = "answered"
CLOSED = "closed"
STATUS_LABELS = {OPEN: "待回复", ANSWERED: "已回复", CLOSED: "已关闭"}


class HandoverRequest(Base):
    __tablename__ = "handover_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=OPEN, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    person: Mapped[Person] = relationship()
    answered_by: Mapped[StaffUser | None] = relationship()
