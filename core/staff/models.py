"""Console users: district admins and station staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow

DISTRICT_ADMIN = "district_admin"
STATION_STAFF = "station_staff"
ROLES = (DISTRICT_ADMIN, STATION_STAFF)
ROLE_LABELS = {DISTRICT_ADMIN: "区级管理员", STATION_STAFF: "服务站专员"}


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # The station a station_staff member works at (sees and checks in its bookings).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's fingerprint (web.console.auth): logging out adds one, so
    # every session made before (a copied cookie included) stops working.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_admin(self) -> bool:
        return self.role == DISTRICT_ADMIN


class AuditEntry(Base):
    """One look at or change of a person's data by a member of staff (core.staff.audit).

    Names are copied, not only referenced: the entry must still say who and about whom
    after an account is removed or the person's data is erased. `person_id` is a plain
    number (no foreign key) for the same reason.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    staff_username: Mapped[str] = mapped_column(String(64))
    staff_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    person_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")
