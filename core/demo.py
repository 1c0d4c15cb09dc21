"""Demo data for embedded mode, so a newcomer sees a living service at once.

Demo accounts are labelled in their display names and the 24 sample stations in their
names and notes (content/stations/sample_stations.csv); both are created only when the
database has none yet and demo data is enabled (never by default in production).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.booking.models import Station
from core.staff.accounts import create_user
from core.staff.models import DISTRICT_ADMIN, STATION_STAFF, StaffUser

DEMO_ACCOUNTS = (
    ("admin", "vetbot-admin", DISTRICT_ADMIN, "示例·区级管理员"),
    ("station", "vetbot-station", STATION_STAFF, "示例·服务站专员"),
)


def load_demo_data(session: Session) -> bool:
    """Sample stations and demo accounts on first start; False if staff already exist."""
    from core.booking.station_csv import load_sample_if_empty

    load_sample_if_empty(session)
    from core.jobs import samples as job_samples
    from core.timeutil import utcnow

    job_samples.load_if_empty(session, utcnow())  # sample postings and events (示例)
    if session.scalar(select(func.count()).select_from(StaffUser)):
        return False
    first_station = session.scalar(select(Station.id).order_by(Station.id).limit(1))
    for username, password, role, name in DEMO_ACCOUNTS:
        station_id = first_station if role == STATION_STAFF else None
        create_user(session, username, password, role, display_name=name, station_id=station_id)
    return True
