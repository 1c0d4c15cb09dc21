"""What a person chose to receive: jobs (by town and industry), events, policy news, a digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.models.person import Person
from core.timeutil import utcnow

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
