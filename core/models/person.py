"""A veteran (or anyone) who talks to the official account, keyed by openid."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base
from core.timeutil import utcnow

# WeChat lets the account send customer-service messages this long after the
# person's last message.
SERVICE_WINDOW = timedelta(hours=48)


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

    def in_service_window(self, now: datetime | None = None) -> bool:
        """Whether a customer-service message may reach this person now."""
        if not self.subscribed or self.last_message_at is None:
            return False
        return (now or utcnow()) - self.last_message_at < SERVICE_WINDOW
