"""Sample postings and events for demo data, dated from the day they are loaded.

The files (content/jobs/) hold offsets in days rather than dates, so a newcomer always sees
postings valid for weeks and events coming up. They go through the console's own rules
(`job_admin`, `event_admin`), are stored with is_sample=True and say 示例 in their names.
Each kind loads only into an empty table, so a restart loads nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking.models import Station
from core.content_files import read_yaml
from core.jobs import admin as job_admin
from core.jobs import event_admin
from core.jobs.models import Event, JobPosting
from core.timeutil import LOCAL_TZ, local_today

log = logging.getLogger(__name__)

CONTENT = Path(__file__).resolve().parents[2] / "content" / "jobs"
JOBS_FILE = CONTENT / "sample_jobs.yaml"
EVENTS_FILE = CONTENT / "sample_events.yaml"


def _read(path: Path, key: str) -> list[dict[str, Any]]:
    data = read_yaml(path) or {}
    return list(data.get(key) or [])


def posting_rows(now: datetime) -> list[dict[str, Any]]:
    """The sample postings as the form's text, valid-until counted from today."""
    today = local_today(now)
    rows = []
    for item in _read(JOBS_FILE, "postings"):
        row = {k: v for k, v in item.items() if k != "valid_in_days"}
        row["valid_until"] = (today + timedelta(days=int(item["valid_in_days"]))).isoformat()
        row["veterans_priority"] = "1" if item.get("veterans_priority") else "0"
        rows.append(row)
    return rows


def event_rows(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The sample events as the form's text; one whose sample station is missing is left out."""
    today = local_today(now)
    stations = {s.code: s.id for s in session.scalars(select(Station))}
    rows = []
    for item in _read(EVENTS_FILE, "events"):
        code = item.get("station")
        if code and code not in stations:
            log.info("sample event %r skipped: station %s not found", item["title"], code)
            continue
        starts = datetime.combine(
            today + timedelta(days=int(item["in_days"])),
            datetime.strptime(str(item["starts"]), "%H:%M").time(),
            LOCAL_TZ,
        )
        ends = starts + timedelta(hours=float(item["hours"]))
        rows.append(
            {
                "kind": item["kind"],
                "title": item["title"],
                "day": starts.date().isoformat(),
                "starts": f"{starts:%H:%M}",
                "ends": f"{ends:%H:%M}",
                "station_id": str(stations[code]) if code else "",
                "address": item.get("address", ""),
                "town": item.get("town", ""),
                "organiser": item.get("organiser", ""),
                "description": item.get("description", ""),
                "capacity": str(item["capacity"]),
            }
        )
    return rows


def load_if_empty(session: Session, now: datetime) -> tuple[int, int]:
    """(postings, events) loaded; zero for a table that already has rows."""
    postings = events = 0
    if session.scalar(select(JobPosting.id).limit(1)) is None:
        for row in posting_rows(now):
            job_admin.create_posting(session, row, now, is_sample=True)
            postings += 1
    if session.scalar(select(Event.id).limit(1)) is None:
        for row in event_rows(session, now):
            event_admin.create_event(session, row, now, is_sample=True)
            events += 1
    return postings, events
