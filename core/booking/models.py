"""Community employment service stations, their hours and per-date exceptions.

Bookable slots (rows with a capacity, as Munich's ZMS) and the bookings that fill them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.people.models import Person
from core.timeutil import utcnow

# Jiading's 12 towns and streets (seed 000 addresses "各镇、街道，嘉定工业区、菊园新区").
TOWNS = (
    "嘉定镇街道",
    "新成路街道",
    "真新街道",
    "菊园新区",
    "嘉定工业区",
    "南翔镇",
    "安亭镇",
    "马陆镇",
    "徐行镇",
    "华亭镇",
    "外冈镇",
    "江桥镇",
)


class Station(Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    town: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # GCJ-02, as WeChat's location messages; None sorts a station last.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(40))
    has_veterans_window: Mapped[bool] = mapped_column(default=False)
    # Item numbers of the 24-item service list (core.booking.station_services).
    services: Mapped[list[int]] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(default=30)
    desks: Mapped[int] = mapped_column(default=1)
    booking_window_days: Mapped[int] = mapped_column(default=14)
    min_notice_minutes: Mapped[int] = mapped_column(default=120)
    max_active_per_person: Mapped[int] = mapped_column(default=2)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_sample: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    hours: Mapped[list[StationHours]] = relationship(
        back_populates="station",
        cascade="all, delete-orphan",
        order_by="StationHours.weekday, StationHours.opens",
    )
    exceptions: Mapped[list[StationException]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="StationException.day"
    )

    @property
    def display_name(self) -> str:
        return self.name


class StationHours(Base):
    """One opening period on a weekday; a lunch break is two periods."""

    __tablename__ = "station_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # 0 = Monday
    opens: Mapped[time]
    closes: Mapped[time]

    station: Mapped[Station] = relationship(back_populates="hours")


class StationException(Base):
    """A date that differs from the weekly hours: closed, or open with other periods."""

    __tablename__ = "station_exception"
    __table_args__ = (UniqueConstraint("station_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    day: Mapped[date]
    closed: Mapped[bool] = mapped_column(default=True)
    # [["09:00", "12:00"], ...] when open with special hours
    periods: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="")

    station: Mapped[Station] = relationship(back_populates="exceptions")


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
