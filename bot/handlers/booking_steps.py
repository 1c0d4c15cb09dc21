"""The questions of the chat booking flow: each step's numbered options, and `ask`.

A step's options are computed fresh each time it is shown (free desks change) and the
values behind the numbers are stored with the step (ids and ISO strings only: the
state is JSON in Redis), so an answer is read against what the person saw. A step
with nothing to offer leads to the step before it, saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.context import Context
from bot.handlers import choices
from bot.handlers.stations import NO_STATIONS, SHARE_HOW, veterans_mark
from bot.reply import Reply
from core.booking import availability, booking, station_services, stations
from core.booking.models import Station
from core.timeutil import day_text, local_today, span_text

FLOW = "booking"
NEAREST_LIMIT = 5
MAX_DAYS = 7
LEAVE = "回复“取消”退出。"


@dataclass
class Prompt:
    title: str
    options: list[Any]
    labels: list[str] = field(default_factory=list)
    hint: str = LEAVE


Built = Prompt | Reply


def ask(ctx: Context, step: str, now: datetime, lead: str = "", **data: Any) -> Reply:
    """Show a step's question and remember its options; `data` is what was just chosen."""
    current = ctx.conversation.data if ctx.conversation.flow == FLOW else {}
    built = PROMPTS[step](ctx, {**current, **data}, now)
    if isinstance(built, Reply):
        return built
    if not choices.save_step(ctx, FLOW, step, options=built.options, **data):
        return choices.state_lost(ctx)
    parts = [lead + built.title]
    if built.labels:
        parts.append(choices.numbered(built.labels))
    parts.append(built.hint)
    return Reply(text="\n".join(parts), intent=f"booking_{step}")


def end(ctx: Context, text: str, intent: str = "booking_end") -> Reply:
    ctx.conversation.clear()
    return Reply(text=text, intent=intent)


def station_of(ctx: Context, state: dict[str, Any]) -> Station | None:
    station = stations.get_station(ctx.session, int(state.get("station") or 0))
    return station if station is not None and station.is_active else None


def moving(state: dict[str, Any]) -> bool:
    return state.get("mode") == "move"


# -- the questions ----------------------------------------------------------------------


def _towns(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    towns = stations.by_town(ctx.session)
    if not towns:
        return end(ctx, NO_STATIONS)
    return Prompt(
        "请选择服务站所在的街镇，回复数字：",
        list(towns),
        [f"{town}（{len(rows)}个）" for town, rows in towns.items()],
        f"也可以发送位置（{SHARE_HOW}），为您找最近的服务站。{LEAVE}",
    )


def _stations(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    town = state.get("town")
    person = ctx.person
    if town:
        rows = stations.by_town(ctx.session).get(town, [])
        labels = [f"{s.name}{veterans_mark(s)}" for s in rows]
        title, zero = f"{town}的服务站，回复数字选择：", "回复 0 重选街镇；"
    elif person.latitude is not None and person.longitude is not None:
        near = stations.nearest(ctx.session, person.latitude, person.longitude, NEAREST_LIMIT)
        rows = [n.station for n in near]
        labels = [f"{n.station.name}{veterans_mark(n.station)} {n.distance_text}" for n in near]
        title, zero = "离您最近的服务站，回复数字选择：", "回复 0 按街镇选择；"
    else:
        return ask(ctx, "town", now)
    if not rows:
        return ask(ctx, "town", now, lead="这个街镇暂时没有服务站，请重选。\n", town=None)
    return Prompt(title, [s.id for s in rows], labels, zero + LEAVE)


def _services(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    station = station_of(ctx, state)
    if station is None:
        return ask(ctx, "station", now, lead="该服务站暂停预约，请选择其他服务站。\n")
    items = station_services.bookable_for(station.services)
    if not items:
        return ask(ctx, "station", now, lead="该服务站暂无可预约的事项，请选择其他服务站。\n")
    return Prompt(
        f"{station.name}\n请选择要办理的事项，回复数字：",
        [i.no for i in items],
        [i.name for i in items],
    )


def free_days(ctx: Context, station: Station, now: datetime) -> list[date]:
    """Open days in the booking window that still have a free desk, at most MAX_DAYS."""
    days = []
    for plan in availability.bookable_days(station, now):
        if any(s.free for s in availability.slots_for_day(ctx.session, station, plan.day, now)):
            days.append(plan.day)
            if len(days) >= MAX_DAYS:
                break
    return days


def _days(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    station = station_of(ctx, state)
    if station is None:
        if moving(state):
            return end(ctx, "该服务站暂停预约，原预约保留不变。如需帮助，请发送“人工”。")
        return ask(ctx, "station", now, lead="该服务站暂停预约，请选择其他服务站。\n")
    days = free_days(ctx, station, now)
    if not days:
        if moving(state):
            return end(ctx, "该服务站近期没有空余时段，原预约保留不变。回复“我的预约”查看。")
        return ask(ctx, "station", now, lead="该服务站近期已约满，请选择其他服务站。\n")
    today = local_today(now)
    service = station_services.name_of(int(state.get("service") or 0))
    verb = "请选择新的日期" if moving(state) else "请选择日期"
    return Prompt(
        f"{station.name}｜{service}\n{verb}，回复数字：",
        [d.isoformat() for d in days],
        [day_text(d, today) for d in days],
    )


def _times(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    station = station_of(ctx, state)
    if station is None:
        return ask(ctx, "day", now)
    day = date.fromisoformat(str(state["day"]))
    free = [s for s in availability.slots_for_day(ctx.session, station, day, now) if s.free]
    if not free:
        return ask(ctx, "day", now, lead="这一天已经约满了，请换一天。\n")
    wanted = state.get("wanted") if isinstance(state.get("wanted"), dict) else {}
    part = wanted.get("part_of_day") if wanted else None
    in_part = [s for s in free if part_of_day(s.local_start.time()) == part]
    note = ""
    if part and in_part:
        free = in_part
    elif part:
        note = f"这一天{part}没有空位，"
    return Prompt(
        f"{note}{day_text(day)}，请选择时间，回复数字：",
        [s.starts_at.isoformat() for s in free],
        [f"{s.local_start:%H:%M} (剩{s.free})" for s in free],
        "回复 0 换一天；" + LEAVE,
    )


def _confirm(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    station = station_of(ctx, state)
    if station is None:
        return ask(ctx, "day", now)
    start = datetime.fromisoformat(str(state["start"]))
    end = start + timedelta(minutes=station.slot_minutes)
    what = "改约到" if moving(state) else "预约"
    return Prompt(
        f"请确认{what}：\n服务站：{station.name}\n时间：{span_text(start, end)}\n"
        f"事项：{station_services.name_of(int(state.get('service') or 0))}",
        ["ok", "retime"],
        hint=f"回复 1 确认，2 重选时间；{LEAVE}",
    )


def _alternatives(ctx: Context, state: dict[str, Any], now: datetime) -> Built:
    station = station_of(ctx, state)
    if station is None:
        return ask(ctx, "day", now)
    wanted = datetime.fromisoformat(str(state["start"]))
    free = booking.alternatives(ctx.session, station, wanted, now)
    if not free:
        return ask(ctx, "day", now, lead="该时段已约满，相近的时段也没有空位了，请换一天。\n")
    return Prompt(
        "该时段已约满。以下时段还有空位，回复数字直接预约：",
        [s.starts_at.isoformat() for s in free],
        [f"{span_text(s.starts_at)} (剩{s.free})" for s in free],
        "回复 0 换一天；" + LEAVE,
    )


NOON = time(12, 0)
EVENING = time(18, 0)


def part_of_day(at: time) -> str:
    """上午 / 下午 / 晚上, as a person would name the part of the day of a time."""
    if at < NOON:
        return "上午"
    return "下午" if at < EVENING else "晚上"


PROMPTS: dict[str, Callable[[Context, dict[str, Any], datetime], Built]] = {
    "town": _towns,
    "station": _stations,
    "service": _services,
    "day": _days,
    "time": _times,
    "confirm": _confirm,
    "alt": _alternatives,
}
