"""Answers to a booking step in a person's own words, not only its number.

"安亭" or "安亭那个" picks a town or a station there, "失业登记" a service, "明天" / "周五"
a day, "10点" / "九点半" / "上午" a time, "随便哪个都行" the first option. What cannot be
read leaves the step to ask again (or, for a question, to answer it: choices.aside).
"""

from __future__ import annotations

import re
from typing import Any

from bot.context import Context
from bot.handlers import choices
from bot.handlers.booking_steps import part_of_day
from bot.understanding import read_slots
from core.booking import stations
from core.nlu.numbers import small_number
from core.timeutil import LOCAL_TZ

_CLOCK = re.compile(
    r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:点|:|：)\s*(半|\d{2}|[一二三四五]十)?"
)
AFTERNOON_HOURS = 12  # "3点" in the afternoon is 15:00: offices close before 8 pm


def natural_pick(ctx: Context, step: str, options: list[Any]) -> int | None:
    """The 1-based option the person's words name, or None."""
    if choices.any_of(ctx.text):
        return 1
    slots = read_slots(ctx.text)
    if step == "town":
        return _index(options, slots.get("town"))
    if step == "station":
        return _station(ctx, options, slots)
    if step == "service":
        service = slots.get("service")
        return _index([str(o) for o in options], str(service) if service else None)
    if step == "day":
        return _index(options, slots.get("date"))
    if step in ("time", "alt"):
        return _time(options, ctx.text, slots.get("part_of_day"))
    return None


def _index(options: list[Any], value: Any) -> int | None:
    if value is None or value not in options:
        return None
    return options.index(value) + 1


def _station(ctx: Context, options: list[Any], slots: dict[str, Any]) -> int | None:
    """ "安亭那个": the first offered station in the town named; "最后一个": the last."""
    if slots.get("ordinal") == "last":
        return len(options)
    town = slots.get("town")
    if not town:
        return None
    for n, station_id in enumerate(options, start=1):
        station = stations.get_station(ctx.session, int(station_id))
        if station is not None and station.town == town:
            return n
    return None


def _time(options: list[Any], text: str, part: str | None) -> int | None:
    """ "10点" / "九点半" / "3点" (afternoon when no morning time fits) or just "上午"."""
    from datetime import datetime

    starts = [datetime.fromisoformat(str(o)).astimezone(LOCAL_TZ).time() for o in options]
    match = _CLOCK.search(text)
    if match:
        hour = small_number(match.group(1))
        minute_text = match.group(2) or ""
        minute = 30 if minute_text == "半" else (small_number(minute_text) or 0)
        if hour is not None:
            for candidate_hour in (hour, hour + AFTERNOON_HOURS):
                for n, start in enumerate(starts, start=1):
                    if (start.hour, start.minute) == (candidate_hour, minute):
                        return n
    if part:
        for n, start in enumerate(starts, start=1):
            if part_of_day(start) == part:
                return n
    return None
