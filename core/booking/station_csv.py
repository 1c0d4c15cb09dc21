"""Stations to and from CSV: all rows or none, every bad value named with its line, column
and the value as written (core/csvio.py reads, limits and writes the file).

Columns: code, name, town, address, latitude, longitude, phone, has_veterans_window,
services (item numbers of the 24-item list, space separated), slot_minutes, desks,
booking_window_days, min_notice_minutes, max_active_per_person, hours, is_sample, note.
`hours` is weekday ranges (1 = Monday … 7 = Sunday) with their periods, groups separated
by ";": "1-5 09:00-11:30 13:30-17:00; 6 09:00-12:00". A row whose code exists updates it.
`parse_row` is also the console form's check, so a file and the form never disagree.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import csvio
from core.booking.models import TOWNS, Station, StationHours
from core.booking.station_services import all_items
from core.config import CSV_MAX_BYTES, CSV_MAX_STATION_ROWS, Settings
from core.csvio import CellError, RowError

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
REQUIRED = ("code", "name", "town", "hours")
LABELS = {
    "code": "编号",
    "name": "名称",
    "town": "街镇",
    "address": "地址",
    "latitude": "纬度",
    "longitude": "经度",
    "phone": "电话",
    "has_veterans_window": "退役军人服务窗口",
    "services": "服务事项",
    "slot_minutes": "每个时段分钟数",
    "desks": "窗口数",
    "booking_window_days": "可提前预约天数",
    "min_notice_minutes": "至少提前预约分钟数",
    "max_active_per_person": "每人有效预约上限",
    "hours": "每周开放时间",
    "is_sample": "示例数据",
    "note": "备注",
}
# The columns' sizes in the database (core/booking/models.py); the note is TEXT, bounded
# here so that one cell cannot carry a whole file.
MAX_LENGTH = {"code": 32, "name": 100, "address": 200, "phone": 40, "note": 1000}
LIMITS = csvio.Limits(CSV_MAX_BYTES, CSV_MAX_STATION_ROWS)
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "content" / "stations" / "sample_stations.csv"
_GROUP = re.compile(r"^\s*([1-7])(?:-([1-7]))?\s+(.+)$")
_PERIOD = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII: "²".isdigit() is true and int() refuses it
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"", "0", "false", "no", "n", "否"}


def limits(settings: Settings) -> csvio.Limits:
    return csvio.Limits(settings.csv_max_bytes, settings.csv_max_station_rows)


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


def _text(row: dict[str, str], name: str, errors: list[CellError]) -> str:
    value = (row.get(name) or "").strip()
    limit = MAX_LENGTH.get(name)
    if limit is not None and len(value) > limit:
        errors.append(CellError(name, f"不超过 {limit} 个字符（现有 {len(value)} 个）"))
    return value


def _flag(row: dict[str, str], name: str, errors: list[CellError]) -> bool:
    value = (row.get(name) or "").strip().lower()
    if value not in _TRUE | _FALSE:
        errors.append(CellError(name, "请填写 1（是）或 0（否）"))
    return value in _TRUE


def _int(
    row: dict[str, str], name: str, bounds: tuple[int, int, int], errors: list[CellError]
) -> int:
    low, high, default = bounds
    raw = (row.get(name) or "").strip()
    if not raw:
        return default
    if not _NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        errors.append(CellError(name, f"应为 {low} 到 {high} 之间的整数"))
        return default
    return int(raw)


def _coordinate(
    row: dict[str, str], name: str, bounds: tuple[float, float], errors: list[CellError]
) -> float | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors.append(CellError(name, "不是数字"))
        return None
    if not bounds[0] <= value <= bounds[1]:  # also refuses nan and inf
        errors.append(CellError(name, "超出嘉定区范围（GCJ-02 坐标）"))
        return None
    return value


def _services(row: dict[str, str], errors: list[CellError]) -> list[int]:
    words = (row.get("services") or "").split()
    if all(_NUMBER.fullmatch(w) and int(w) in all_items() for w in words):
        return [int(w) for w in words]
    errors.append(CellError("services", "应为服务清单的编号（1-24），以空格分隔"))
    return []


NUMBERS = {  # column: (lowest, highest, default when blank)
    "slot_minutes": (10, 240, 30),
    "desks": (1, 50, 1),
    "booking_window_days": (1, 90, 14),
    "min_notice_minutes": (0, 10080, 120),
    "max_active_per_person": (1, 20, 2),
}


def parse_row(row: dict[str, str]) -> ParsedStation:
    """The station's fields and hours, or RowError listing every bad value with its column."""
    errors: list[CellError] = []
    fields: dict[str, Any] = {name: _text(row, name, errors) for name in MAX_LENGTH}
    for name in ("code", "name"):
        if not fields[name]:
            errors.append(CellError(name, f"{LABELS[name]}不能为空"))
    town = (row.get("town") or "").strip()
    if town not in TOWNS:
        errors.append(CellError("town", f"不是嘉定区的街镇（{'、'.join(TOWNS)}）"))
    fields.update(
        town=town,
        phone=fields["phone"] or None,
        latitude=_coordinate(row, "latitude", (30.9, 31.7), errors),
        longitude=_coordinate(row, "longitude", (120.9, 121.6), errors),
        has_veterans_window=_flag(row, "has_veterans_window", errors),
        is_sample=_flag(row, "is_sample", errors),
        services=_services(row, errors),
    )
    fields.update({name: _int(row, name, bounds, errors) for name, bounds in NUMBERS.items()})
    if (fields["latitude"] is None) != (fields["longitude"] is None) and not any(
        e.column in ("latitude", "longitude") for e in errors
    ):
        blank = "latitude" if fields["latitude"] is None else "longitude"
        errors.append(CellError(blank, "纬度和经度要么都填，要么都不填"))
    try:
        hours = parse_hours(row.get("hours") or "")
    except ValueError as exc:
        errors.append(CellError("hours", str(exc)))
        hours = []
    if errors:
        raise RowError(errors)
    return ParsedStation(fields, hours)


def parse_csv(text: str, limits: csvio.Limits = LIMITS) -> list[ParsedStation]:
    """Every row, or CsvImportError naming each bad value with its line and column."""
    rows = csvio.read_rows(text, columns=COLUMNS, required=REQUIRED, labels=LABELS, limits=limits)
    parsed: list[ParsedStation] = []
    problems: list[str] = []
    codes: dict[str, int] = {}
    for row in rows:
        if row.problems:
            problems.extend(row.problems)
            continue
        try:
            item = parse_row(row.values)
        except RowError as exc:
            problems.extend(
                csvio.cell_problem(
                    row.line, c.column, LABELS[c.column], row.get(c.column), c.reason
                )
                for c in exc.cells
            )
            continue
        code = item.fields["code"]
        if code in codes:
            reason = f"编号在文件中重复（第 {codes[code]} 行已有）"
            problems.append(csvio.cell_problem(row.line, "code", LABELS["code"], code, reason))
            continue
        codes[code] = row.line
        parsed.append(item)
    csvio.raise_if(problems)
    if not parsed:
        raise csvio.CsvImportError(["文件中没有站点数据。"])
    return parsed


def save_all(session: Session, parsed: list[ParsedStation]) -> tuple[int, int]:
    """Insert or update (by code) every checked station; (added, updated). Flushes only."""
    # Hours loaded up front: loading them one station at a time flushed the session each
    # time, which made a file of a few hundred stations take tens of seconds.
    existing = {
        s.code: s for s in session.scalars(select(Station).options(selectinload(Station.hours)))
    }
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


def import_csv(session: Session, text: str, limits: csvio.Limits = LIMITS) -> tuple[int, int]:
    """Every station in the file, or nothing (CsvImportError); (added, updated)."""
    return save_all(session, parse_csv(text, limits))


def export_csv(session: Session) -> str:
    """Every station, in the import's columns, through the one neutralising writer."""
    return csvio.write_csv(
        COLUMNS,
        (
            [
                s.code,
                s.name,
                s.town,
                s.address,
                "" if s.latitude is None else s.latitude,
                "" if s.longitude is None else s.longitude,
                s.phone or "",
                int(s.has_veterans_window),
                " ".join(str(n) for n in s.services),
                s.slot_minutes,
                s.desks,
                s.booking_window_days,
                s.min_notice_minutes,
                s.max_active_per_person,
                format_hours(s.hours),
                int(s.is_sample),
                s.note,
            ]
            for s in session.scalars(select(Station).order_by(Station.town, Station.code))
        ),
    )


def load_sample_if_empty(session: Session) -> int:
    """First start with demo data: the 24 sample stations (labelled as sample)."""
    if session.scalar(select(Station.id).limit(1)) is not None:
        return 0
    added, _ = import_csv(session, SAMPLE_FILE.read_text(encoding="utf-8"))
    return added
