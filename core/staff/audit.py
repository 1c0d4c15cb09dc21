"""The audit log: which member of staff looked at or changed whose data, and when.

Console views that show or change a person's data call `record` (a handover request and
its message history, a reply, a day's bookings, a booking changed, an event's sign-up
list, a CSV export of bookings). District admins read the log at `/console/audit`;
station staff cannot. Entries are never edited or deleted by the application.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.staff.models import AuditEntry, StaffUser
from core.timeutil import utcnow

# action -> what the console's audit page says
ACTIONS: dict[str, str] = {
    "handover.view": "查看人工请求及聊天记录",
    "handover.reply": "回复人工请求",
    "handover.close": "关闭人工请求",
    "bookings.view": "查看预约名单",
    "bookings.export": "导出预约名单（CSV）",
    "booking.change": "修改预约",
    "signups.view": "查看活动报名名单",
}
DETAIL_MAX = 500
PAGE_SIZE = 200


def record(
    session: Session,
    staff: StaffUser,
    action: str,
    person_id: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry; flushes with the caller's transaction (a view commits it)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=now or utcnow(),
        staff_id=staff.id,
        staff_username=staff.username,
        staff_role=staff.role,
        action=action,
        person_id=person_id,
        detail=detail[:DETAIL_MAX],
    )
    session.add(entry)
    session.flush()
    return entry


def recent(
    session: Session,
    *,
    person_id: int | None = None,
    staff_username: str = "",
    limit: int = PAGE_SIZE,
) -> list[AuditEntry]:
    """Newest first, optionally for one person or one staff account."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if person_id is not None:
        query = query.where(AuditEntry.person_id == person_id)
    if staff_username:
        query = query.where(AuditEntry.staff_username == staff_username.strip())
    return list(session.scalars(query))


def label(action: str) -> str:
    return ACTIONS.get(action, action)
