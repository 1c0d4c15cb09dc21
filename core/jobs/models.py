"""Job postings published by district staff, matched against people's subscriptions.

Job fairs, recruitment drives, training sessions and policy briefings, with sign-ups.

What a person chose to receive: jobs (by town and industry), events, policy news, a digest.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.booking.models import Station
from core.db import Base
from core.people.models import Person
from core.timeutil import utcnow

OPEN = "open"
CLOSED = "closed"  # closed by staff, or expired (valid_until passed) by the scheduler
POSTING_STATUS_LABELS = {OPEN: "招聘中", CLOSED: "已结束"}

# The industry choices shown to subscribers and staff; a posting carries one of them.
INDUSTRIES = (
    "制造业",
    "汽车及零部件",
    "物流运输",
    "批发零售",
    "餐饮住宿",
    "物业保安",
    "信息技术",
    "建筑工程",
    "教育培训",
    "医疗健康",
    "金融保险",
    "公共服务",
    "其他",
)


class JobPosting(Base):
    __tablename__ = "job_posting"
    __table_args__ = (Index("ix_job_posting_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key for CSV import (insert or update by reference); staff may leave it empty.
    ref: Mapped[str | None] = mapped_column(String(40), unique=True)
    employer: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100))
    town: Mapped[str] = mapped_column(String(20), index=True)
    industry: Mapped[str] = mapped_column(String(20), index=True)
    pay_min: Mapped[int | None]  # yuan per month; None when not stated
    pay_max: Mapped[int | None]
    requirements: Mapped[str] = mapped_column(Text, default="")
    how_to_apply: Mapped[str] = mapped_column(Text, default="")
    veterans_priority: Mapped[bool] = mapped_column(default=False)
    valid_until: Mapped[date]  # last day (Asia/Shanghai) the posting is shown
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    is_sample: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]


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


# Categories a broadcast can target ("a subscription category").
JOBS = "jobs"
EVENTS = "events"
POLICY_NEWS = "policy_news"
CATEGORY_LABELS = {JOBS: "岗位信息", EVENTS: "招聘会和活动", POLICY_NEWS: "政策资讯"}


class Subscription(Base):
    """One row per person who ever chose; `退订` clears every flag and keeps the row.

    Empty `towns` / `industries` mean "any". Following the account alone subscribes
    to nothing: people opt in, so nobody is pushed to without asking.
    """

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    jobs: Mapped[bool] = mapped_column(default=False)
    towns: Mapped[list[str]] = mapped_column(JSON, default=list)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    events: Mapped[bool] = mapped_column(default=False)
    policy_news: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[bool] = mapped_column(default=False)  # daily push of new matching postings
    digest_sent_at: Mapped[datetime | None]  # new postings are those published after this
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()

    @property
    def anything(self) -> bool:
        return self.jobs or self.events or self.policy_news or self.digest
