"""Booking fixtures: stations with known hours, and a fixed "now" on a plain working day."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from core.booking.models import Station, StationHours
from core.timeutil import LOCAL_TZ

# Wednesday 2026-12-02 08:00 in Shanghai: a working day, no holiday near it.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)


def at(day: int, hh: int, mm: int = 0, month: int = 12, year: int = 2026) -> datetime:
    """A Shanghai wall-clock time, as the aware datetime the services take."""
    return datetime(year, month, day, hh, mm, tzinfo=LOCAL_TZ)


@pytest.fixture
def make_station(db_session):
    def build(
        code: str = "T-1",
        desks: int = 3,
        lat: float | None = 31.2946,
        lon: float | None = 121.163,
        **fields,
    ) -> Station:
        station = Station(
            code=code,
            name=f"测试站{code}",
            town=fields.pop("town", "安亭镇"),
            latitude=lat,
            longitude=lon,
            services=fields.pop("services", [3, 7, 8]),
            desks=desks,
            slot_minutes=30,
            **fields,
        )
        station.hours = [
            StationHours(weekday=d, opens=time(9, 0), closes=time(11, 30)) for d in range(5)
        ] + [StationHours(weekday=d, opens=time(13, 30), closes=time(17, 0)) for d in range(5)]
        db_session.add(station)
        db_session.commit()
        return station

    return build
