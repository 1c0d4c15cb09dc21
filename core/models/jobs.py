"""Job postings published by district staff, matched against people's subscriptions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base
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
