"""Broadcasts to subscribers, the per-recipient ledger, consents and mass-send usage.

The ledger (`BroadcastRecipient`) is what makes a broadcast at most once per person:
one row per person and broadcast (a unique constraint), and a row is marked `sending`
and committed before its message leaves, so a restarted sender never sends it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow

# Broadcast kinds, as staff pick them.
NOTICE = "notice"
DIGEST = "digest"
POLICY_NEWS = "policy_news"
BROADCAST_KINDS = {NOTICE: "活动通知", DIGEST: "新岗位汇总", POLICY_NEWS: "政策资讯"}

# Segments: who a broadcast goes to.
SEG_ALL = "all"
SEG_CATEGORY = "category"
SEG_TOWN = "town"
SEG_EVENT = "event"
SEGMENT_LABELS = {
    SEG_ALL: "全部订阅用户",
    SEG_CATEGORY: "按订阅类别",
    SEG_TOWN: "按街镇",
    SEG_EVENT: "已报名某活动的人",
}

# Broadcast status.
SCHEDULED = "scheduled"  # waiting for send_at (send now = due at once)
SENDING = "sending"  # a worker holds (or held) the lease; resumed when the lease expires
DONE = "done"
CANCELLED = "cancelled"
BROADCAST_STATUS_LABELS = {
    SCHEDULED: "待发送",
    SENDING: "发送中",
    DONE: "已完成",
    CANCELLED: "已取消",
}

# Channels WeChat allows for a push.
CUSTOM = "custom"  # customer-service message, inside the 48-hour window
TEMPLATE = "template"  # template message, where the person consented
SUBSCRIBE = "subscribe"  # subscribe message (bizsend), where the person consented
MASS = "mass"  # mass send by openid list, at most 4 a person a month
NONE = "none"  # unreachable
CHANNEL_LABELS = {
    CUSTOM: "客服消息（48小时内互动过）",
    TEMPLATE: "模板消息（已授权）",
    SUBSCRIBE: "订阅消息（已授权）",
    MASS: "群发（每人每月4次）",
    NONE: "无法送达",
}

# Ledger row status.
PENDING = "pending"
CLAIMED = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
RECIPIENT_STATUS_LABELS = {
    PENDING: "待发送",
    CLAIMED: "发送中",
    SENT: "已发送",
    FAILED: "失败",
    SKIPPED: "跳过",
}


class Broadcast(Base):
    __tablename__ = "broadcast"
    __table_args__ = (Index("ix_broadcast_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default=NOTICE)
    segment: Mapped[str] = mapped_column(String(20))
    segment_value: Mapped[str] = mapped_column(String(40), default="")
    use_mass: Mapped[bool] = mapped_column(default=False)  # staff allowed the monthly mass send
    status: Mapped[str] = mapped_column(String(12), default=SCHEDULED)
    send_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The ledger is built once (in batches, resumable); after that nobody is added.
    ledger_ready: Mapped[bool] = mapped_column(default=False)
    # The worker sending it and until when its claim holds; an expired lease is resumed.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. why sending paused


class BroadcastRecipient(Base):
    """One person's delivery of one broadcast: the ledger row."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "person_id", name="uq_broadcast_recipient_person"),
        Index("ix_broadcast_recipient_progress", "broadcast_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    reason: Mapped[str] = mapped_column(String(200), default="")
    errcode: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class MessageConsent(Base):
    """A person's consent to template or subscribe messages of one template.

    Subscribe messages are one use per consent (WeChat's 一次性订阅); `remaining` counts
    what is left, and None means no limit (a long-term template consent).
    """

    __tablename__ = "message_consent"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "template_id", name="uq_message_consent_template"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # TEMPLATE or SUBSCRIBE
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MassSendUsage(Base):
    """How many mass sends reached a person in a calendar month (WeChat allows 4)."""

    __tablename__ = "mass_send_usage"
    __table_args__ = (UniqueConstraint("person_id", "month", name="uq_mass_send_usage_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-11", Asia/Shanghai
    count: Mapped[int] = mapped_column(default=0)
