"""Stations to and from CSV: all rows or none, every bad row named with its line and reason.

Columns: code, name, town, address, latitude, longitude, phone, has_veterans_window,
services (item numbers of the 24-item list, space separated), slot_minutes, desks,
booking_window_days, min_notice_minutes, max_active_per_person, hours, is_sample, note.
`hours` is weekday ranges (1 = Monday … 7 = Sunday) with their periods, groups separated
by ";": "1-5 09:00-11:30 13:30-17:00; 6 09:00-12:00". A row whose code exists updates it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking.models import TOWNS, Station, StationHours
from core.booking.station_services import all_items

COLUMNS = (
    "code",
    "name",
    "town",
    "address",
    "latitude",
    "longitude",
    "phone",
    "has_veterans_window",
    "services",
    "slot_minutes",
    "desks",
    "booking_window_days",
    "min_notice_minutes",
    "max_active_per_person",
    "hours",
    "is_sample",
    "note",
)
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "content" / "stations" / "sample_stations.csv"
_GROUP = re.compile(r"^\s*([1-7])(?:-([1-7]))?\s+(.+)$")
_PERIOD = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")


class StationImportError(ValueError):
    """Nothing was imported; `problems` lists "第 N 行：原因" for every bad row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ParsedStation:
    fields: dict[str, Any]
    hours: list[tuple[int, time, time]]


def parse_hours(text: str) -> list[tuple[int, time, time]]:
    """ "1-5 09:00-11:30 13:30-17:00; 6 09:00-12:00" → (weekday 0-6, opens, closes)."""
    out: list[tuple[int, time, time]] = []
    for group in filter(None, (g.strip() for g in text.split(";"))):
        match = _GROUP.match(group)
        if not match:
            raise ValueError(f"营业时间“{group}”格式不对，应如“1-5 09:00-11:30 13:30-17:00”")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(f"星期范围“{first}-{last}”不对")
        periods = []
        for part in match.group(3).split():
            period = _PERIOD.match(part)
            if not period:
                raise ValueError(f"时段“{part}”格式不对，应如 09:00-11:30")
            opens, closes = (
                time.fromisoformat(period.group(1).zfill(5)),
                time.fromisoformat(period.group(2).zfill(5)),
            )
            if closes <= opens:
                raise ValueError(f"时段“{part}”结束早于开始")
            periods.append((opens, closes))
        periods.sort()
        for (_, a_end), (b_start, _) in itertools.pairwise(periods):
            if b_start < a_end:
                raise ValueError(f"时段重叠：{match.group(3)}")
        out.extend((day - 1, o, c) for day in range(first, last + 1) for o, c in periods)
    return out


def format_hours(hours: list[StationHours]) -> str:
    by_day: dict[int, str] = {}
    for h in sorted(hours, key=lambda h: (h.weekday, h.opens)):
        by_day[h.weekday] = (
            by_day.get(h.weekday, "") + f" {h.opens:%H:%M}-{h.closes:%H:%M}"
        ).strip()
    groups: list[tuple[int, int, str]] = []
    for day in sorted(by_day):
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == by_day[day]:
            groups[-1] = (groups[-1][0], day, by_day[day])
        else:
            groups.append((day, day, by_day[day]))
    return "; ".join(f"{a + 1}{'' if a == b else f'-{b + 1}'} {p}" for a, b, p in groups)


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "是", "y"}


def _int(row: dict[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = (row.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"{name} 应为 {low} 到 {high} 之间的整数")
    return int(raw)


def _coordinate(raw: str, low: float, high: float, name: str) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} 不是数字") from exc
    if not low <= value <= high:
        raise ValueError(f"{name} 超出嘉定区范围（GCJ-02）")
    return value


def parse_row(row: dict[str, str]) -> ParsedStation:
    code, name, town = (row.get(k, "").strip() for k in ("code", "name", "town"))
    if not code or not name:
        raise ValueError("code 和 name 不能为空")
    if town not in TOWNS:
        raise ValueError(f"town “{town}”不是嘉定区的街镇（{'、'.join(TOWNS)}）")
    services = [int(n) for n in (row.get("services") or "").split() if n.isdigit()]
    unknown = [n for n in services if n not in all_items()]
    if unknown or len(services) != len((row.get("services") or "").split()):
        raise ValueError("services 应为服务清单的编号（1-24），以空格分隔")
    fields = {
        "code": code,
        "name": name,
        "town": town,
        "address": (row.get("address") or "").strip(),
        "latitude": _coordinate(row.get("latitude", ""), 30.9, 31.7, "latitude"),
        "longitude": _coordinate(row.get("longitude", ""), 120.9, 121.6, "longitude"),
        "phone": (row.get("phone") or "").strip() or None,
        "has_veterans_window": _flag(row.get("has_veterans_window", "")),
        "services": services,
        "slot_minutes": _int(row, "slot_minutes", 10, 240, 30),
        "desks": _int(row, "desks", 1, 50, 1),
        "booking_window_days": _int(row, "booking_window_days", 1, 90, 14),
        "min_notice_minutes": _int(row, "min_notice_minutes", 0, 10080, 120),
        "max_active_per_person": _int(row, "max_active_per_person", 1, 20, 2),
        "is_sample": _flag(row.get("is_sample", "")),
        "note": (row.get("note") or "").strip(),
    }
    if (fields["latitude"] is None) != (fields["longitude"] is None):
        raise ValueError("latitude 和 longitude 要么都填，要么都不填")
    return ParsedStation(fields, parse_hours(row.get("hours") or ""))


def parse_csv(text: str) -> list[ParsedStation]:
    """Every row, or StationImportError naming each bad one."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code", "name", "town", "hours") if c not in (reader.fieldnames or [])]
    if missing:
        raise StationImportError([f"第 1 行：缺少列 {', '.join(missing)}"])
    parsed, problems, codes = [], [], set()
    for line, row in enumerate(reader, start=2):
        try:
            item = parse_row(row)
            if item.fields["code"] in codes:
                raise ValueError(f"code {item.fields['code']} 重复")
            codes.add(item.fields["code"])
            parsed.append(item)
        except ValueError as exc:
            problems.append(f"第 {line} 行：{exc}")
    if problems:
        raise StationImportError(problems)
    if not parsed:
        raise StationImportError(["文件中没有站点数据"])
    return parsed


def import_csv(session: Session, text: str) -> tuple[int, int]:
    """Insert or update (by code) every station in the file; (added, updated). Flushes only."""
    parsed = parse_csv(text)
    existing = {s.code: s for s in session.scalars(select(Station))}
    added = updated = 0
    for item in parsed:
        station = existing.get(item.fields["code"])
        if station is None:
            station = Station(**item.fields)
            session.add(station)
            added += 1
        else:
            for key, value in item.fields.items():
                setattr(station, key, value)
            updated += 1
        station.hours = [StationHours(weekday=d, opens=o, closes=c) for d, o, c in item.hours]
    session.flush()
    return added, updated


def export_csv(session: Session) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    for s in session.scalars(select(Station).order_by(Station.town, Station.code)):
        writer.writerow(
            {
                "code": s.code,
                "name": s.name,
                "town": s.town,
                "address": s.address,
                "latitude": "" if s.latitude is None else s.latitude,
                "longitude": "" if s.longitude is None else s.longitude,
                "phone": s.phone or "",
                "has_veterans_window": int(s.has_veterans_window),
                "services": " ".join(str(n) for n in s.services),
                "slot_minutes": s.slot_minutes,
                "desks": s.desks,
                "booking_window_days": s.booking_window_days,
                "min_notice_minutes": s.min_notice_minutes,
                "max_active_per_person": s.max_active_per_person,
                "hours": format_hours(s.hours),
                "is_sample": int(s.is_sample),
                "note": s.note,
            }
        )
    return buffer.getvalue()


def load_sample_if_empty(session: Session) -> int:
    """First start with demo data: the 24 sample stations (labelled as sample)."""
    if session.scalar(select(Station.id).limit(1)) is not None:
        return 0
    added, _ = import_csv(session, SAMPLE_FILE.read_text(encoding="utf-8"))
    return added
