"""Bookable slots (rows with a capacity, as Munich's ZMS) and the bookings that fill them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.models.person import Person
from core.models.station import Station
from core.timeutil import utcnow

ACTIVE = "active"
CANCELLED = "cancelled"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
STATUS_LABELS = {ACTIVE: "已预约", CANCELLED: "已取消", CHECKED_IN: "已签到", NO_SHOW: "未到"}


class BookingSlot(Base):
    """One start time at one station: `booked` never exceeds `capacity` (desks)."""

    __tablename__ = "booking_slot"
    __table_args__ = (UniqueConstraint("station_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)

    station: Mapped[Station] = relationship()


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        # One person holds at most one active booking per slot, whatever the races.
        Index(
            "uq_booking_active_person_slot",
            "person_id",
            "slot_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_booking_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slot.id", ondelete="CASCADE"))
    service: Mapped[int]  # item number of the station service list
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(12))  # person, staff
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    checked_in_at: Mapped[datetime | None]
    reminded_day_before_at: Mapped[datetime | None]
    reminded_soon_at: Mapped[datetime | None]
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))

    person: Mapped[Person] = relationship()
    station: Mapped[Station] = relationship()
    slot: Mapped[BookingSlot] = relationship()
