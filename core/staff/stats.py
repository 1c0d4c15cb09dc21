"""Counts for the console dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.chatlog.models import IN, OUT, MessageLog
from core.people import handover
from core.people.models import Person
from core.staff.models import StaffUser
from core.timeutil import local, utcnow


def start_of_local_day(now: datetime) -> datetime:
    """Midnight in Shanghai: "today" means the staff's today."""
    return local(now).replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard_counts(
    session: Session, now: datetime | None = None, viewer: StaffUser | None = None
) -> dict[str, int]:
    """The dashboard's figures; the open requests are those `viewer` may see."""
    since = start_of_local_day(now or utcnow())
    people = select(func.count()).select_from(Person)
    today = select(func.count()).select_from(MessageLog).where(MessageLog.created_at >= since)
    return {
        "open": handover.count_open(session, viewer),
        "people": session.scalar(people) or 0,
        "subscribed": session.scalar(people.where(Person.subscribed)) or 0,
        "in_today": session.scalar(today.where(MessageLog.direction == IN)) or 0,
        "out_today": session.scalar(today.where(MessageLog.direction == OUT)) or 0,
    }
