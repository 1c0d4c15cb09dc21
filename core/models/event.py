"""Job fairs, recruitment drives, training sessions and policy briefings, with sign-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.models.person import Person
from core.models.station import Station
from core.timeutil import utcnow

SCHEDULED = "scheduled"
CANCELLED = "cancelled"
EVENT_STATUS_LABELS = {SCHEDULED: "报名中", CANCELLED: "已取消"}

EVENT_KINDS = {
    "job_fair": "招聘会",
    "recruitment_drive": "招聘活动",
    "training": "培训",
    "policy_briefing": "政策宣讲",
}

SIGNED_UP = "signed_up"
WITHDRAWN = "withdrawn"


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Either a station or a free-form address (or both: the station's room, say).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(20), default="")
    organiser: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]  # sign-up cap
    # Counter kept in step with active sign-ups by a conditional UPDATE, as booking slots.
    signed_up: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default=SCHEDULED)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    station: Mapped[Station | None] = relationship()


class EventSignup(Base):
    """One person's sign-up; at most one active per person and event (partial unique index)."""

    __tablename__ = "event_signup"
    __table_args__ = (
        Index(
            "uq_event_signup_active",
            "event_id",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'signed_up'"),
            postgresql_where=text("status = 'signed_up'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=SIGNED_UP)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship()
