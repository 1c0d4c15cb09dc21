"""Finding stations: nearest to a shared location, by town, and their opening text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.booking import availability
from core.booking.models import TOWNS, Station
from core.timeutil import WEEKDAYS, day_text, local_today, periods_text

EARTH_RADIUS_M = 6_371_000
METRES_PER_KM = 1000  # under a kilometre a distance is told in metres


@dataclass
class Nearby:
    station: Station
    distance_m: float | None

    @property
    def distance_text(self) -> str:
        """ "约 1.2 公里" / "约 800 米": what a person can picture."""
        if self.distance_m is None:
            return "距离未知"
        if self.distance_m < METRES_PER_KM:
            return f"约 {max(100, round(self.distance_m / 100) * 100):.0f} 米"
        return f"约 {self.distance_m / METRES_PER_KM:.1f} 公里"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); both points GCJ-02, so the offsets cancel out."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def active_stations(session: Session) -> list[Station]:
    return list(
        session.scalars(
            select(Station)
            .where(Station.is_active)
            .options(selectinload(Station.hours), selectinload(Station.exceptions))
            .order_by(Station.town, Station.name)
        )
    )


def nearest(session: Session, latitude: float, longitude: float, limit: int = 3) -> list[Nearby]:
    """Closest first; stations without coordinates come last."""
    found = []
    for station in active_stations(session):
        if station.latitude is None or station.longitude is None:
            found.append(Nearby(station, None))
        else:
            found.append(
                Nearby(
                    station, distance_m(latitude, longitude, station.latitude, station.longitude)
                )
            )
    found.sort(key=lambda n: (n.distance_m is None, n.distance_m or 0.0))
    return found[:limit]


def by_town(session: Session) -> dict[str, list[Station]]:
    grouped: dict[str, list[Station]] = {town: [] for town in TOWNS}
    for station in active_stations(session):
        grouped.setdefault(station.town, []).append(station)
    return {town: rows for town, rows in grouped.items() if rows}


def get_station(session: Session, station_id: int) -> Station | None:
    return session.get(Station, station_id)


def hours_text(station: Station, now: datetime | None = None) -> str:
    """Today's hours in words: "今天 09:00-11:30、13:30-17:00" or "今天不开放（节假日）"."""
    plan = availability.day_plan(station, local_today(now))
    if not plan.open:
        return f"今天不开放（{plan.reason}）"
    return f"今天 {periods_text(plan.periods)}"


def days_text(station: Station, days: list[date], today: date) -> list[str]:
    """The hours of the given days in words ("12月12日 周六：不开放（休息）"), then the
    usual week when a day asked is closed, so a person sees when to come instead."""
    lines = []
    closed = False
    for day in days:
        plan = availability.day_plan(station, day)
        label = day_text(day, today)
        if plan.open:
            lines.append(f"{label}：{periods_text(plan.periods)}")
        else:
            closed = True
            lines.append(f"{label}：不开放（{plan.reason or '休息'}）")
    if closed:
        lines.append("平时：" + week_summary(station))
    return lines


def week_summary(station: Station) -> str:
    """The usual week in one line, days with the same hours together:
    "周一至周五 09:00-11:30、13:30-17:00；周六 09:00-12:00"."""
    runs: list[tuple[int, int, str]] = []
    for weekday in range(len(WEEKDAYS)):
        periods = availability.weekly_periods(station, weekday)
        text = periods_text(periods)
        if runs and runs[-1][2] == text and runs[-1][1] == weekday - 1:
            runs[-1] = (runs[-1][0], weekday, text)
        else:
            runs.append((weekday, weekday, text))
    parts = [
        (WEEKDAYS[a] if a == b else f"{WEEKDAYS[a]}至{WEEKDAYS[b]}") + " " + text
        for a, b, text in runs
        if text
    ]
    return "；".join(parts) or "暂无固定开放时间"


def weekly_text(station: Station) -> list[str]:
    """One line per weekday, for the station page."""
    lines = []
    for weekday, label in enumerate(WEEKDAYS):
        periods = availability.weekly_periods(station, weekday)
        text = periods_text(periods) if periods else "休息"
        lines.append(f"{label} {text}")
    return lines
