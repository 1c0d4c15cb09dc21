"""A veteran (or anyone) who talks to the official account, keyed by openid.

A person's request to talk to a member of staff (the `人工` command).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.staff.models import StaffUser
from core.timeutil import utcnow

# WeChat lets the account send customer-service messages this long after the
# person's last message.
SERVICE_WINDOW = timedelta(hours=48)


def window_open(last_message_at: datetime | None, now: datetime) -> bool:
    """WeChat's 48-hour rule: a customer-service message reaches a person only within
    `SERVICE_WINDOW` of their last message. The one place the rule is written."""
    return last_message_at is not None and now - last_message_at < SERVICE_WINDOW


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    subscribed: Mapped[bool] = mapped_column(default=False)
    subscribe_scene: Mapped[str | None] = mapped_column(String(128))
    subscribed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_label: Mapped[str | None] = mapped_column(String(200))
    location_at: Mapped[datetime | None]
    # Set when the person had their data deleted (core.people.privacy.erase): the row
    # stays, with no WeChat identity, so bookings and sign-ups are still counted.
    erased_at: Mapped[datetime | None]

    def in_service_window(self, now: datetime | None = None) -> bool:
        """Whether a customer-service message may reach this person now."""
        return self.subscribed and window_open(self.last_message_at, now or utcnow())


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
