"""`预约`: booking a visit in chat, one numbered question at a time.

Steps (bot.handlers.booking_steps): town → station (the nearest 5 instead, when we know
where the person is) → service → day → time → confirm. A wrong answer re-asks the same
step, keeping what was chosen before. `改约` enters at the day step with the booking's
station and service (mode "move") and ends in booking.reschedule. A refused booking
leads back to a step that can work: a full slot to the nearest free ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import Context
from bot.handlers import choices
from bot.handlers.booking_answers import natural_pick
from bot.handlers.booking_steps import FLOW, PROMPTS, ask, end, free_days, moving, station_of
from bot.handlers.stations import SHARE_HOW, record_location
from bot.reply import Reply
from bot.router import normalise, router
from core.booking import booking, station_services, stations
from core.booking.booking import BookingError
from core.booking.models import Booking
from core.timeutil import LOCAL_TZ, span_text, utcnow
from core.wechat import links

BOOK_KEYWORDS = ("预约", "我要预约", "预约办事", "在线预约", "预约服务", "办事预约", "预约服务站")


def _chosen(ctx: Context, step: str, value: Any, now: datetime) -> Reply:
    if step == "town":
        return ask(ctx, "station", now, town=value)
    if step == "station":
        return _after_station(ctx, value, now)
    if step == "service":
        return _after_service(ctx, value, now)
    if step == "day":
        return ask(ctx, "time", now, day=value)
    if step == "time":
        return ask(ctx, "confirm", now, start=value)
    if step == "confirm" and value == "retime":
        return ask(ctx, "time", now)
    start = str(ctx.conversation.data.get("start")) if step == "confirm" else str(value)
    return _book(ctx, start, now)


def _wanted(ctx: Context) -> dict[str, Any]:
    wanted = ctx.conversation.data.get("wanted")
    return wanted if isinstance(wanted, dict) else {}


def _after_town(ctx: Context, town: Any, now: datetime, **data: Any) -> Reply:
    """The town's stations to choose from; straight on when it has only one and the
    person named the town in words ("约安亭的服务站"), so nothing is left to choose."""
    rows = stations.by_town(ctx.session).get(str(town), [])
    if len(rows) == 1:
        choices.save_step(ctx, FLOW, "station", town=town, **data)
        return _after_station(ctx, rows[0].id, now)
    return ask(ctx, "station", now, town=town, **data)


def _after_station(ctx: Context, station_id: Any, now: datetime) -> Reply:
    """The service step, unless the person already said which service and it is offered."""
    wanted = _wanted(ctx).get("service")
    station = stations.get_station(ctx.session, int(station_id))
    offered = {i.no for i in station_services.bookable_for(station.services)} if station else set()
    if wanted and int(wanted) in offered:
        return _after_service(ctx, int(wanted), now, station=station_id)
    return ask(ctx, "service", now, station=station_id)


def _after_service(ctx: Context, service: Any, now: datetime, **data: Any) -> Reply:
    """The day step, unless the person already named a day that has free times."""
    day = _wanted(ctx).get("date")
    if isinstance(day, str) and day in _free_day_values(ctx, now, data.get("station")):
        return ask(ctx, "time", now, service=service, day=day, **data)
    lead = "您说的那天没有可预约的时段，请另选一天。\n" if day else ""
    return ask(ctx, "day", now, lead=lead, service=service, **data)


def _free_day_values(ctx: Context, now: datetime, station_id: Any = None) -> list[str]:
    state = {**ctx.conversation.data, **({"station": station_id} if station_id else {})}
    station = station_of(ctx, state)
    return [d.isoformat() for d in free_days(ctx, station, now)] if station else []


ZERO = {"station": "town", "time": "day", "alt": "day"}
CONFIRM_WORDS = dict.fromkeys(
    ("确认", "确定", "好", "好的", "是", "对", "可以", "ok"), 1
) | dict.fromkeys(("重选", "重选时间", "换时间", "换个时间"), 2)


@router.flow(FLOW)
def answer(ctx: Context) -> Reply:
    """The person's answer to the current step."""
    now = utcnow()
    step = ctx.conversation.step or ""
    if ctx.message.msg_type == "location":
        return _located(ctx, step, now)
    options = ctx.conversation.data.get("options")
    if step not in PROMPTS or not isinstance(options, list) or not options:
        return choices.state_lost(ctx)
    picked = choices.number(ctx.text)
    if step == "confirm" and picked is None:
        picked = CONFIRM_WORDS.get(normalise(ctx.text))
    if picked == 0 and step in ZERO:
        if ZERO[step] == "town":
            return ask(ctx, "town", now, town=None)
        return ask(ctx, ZERO[step], now)
    if picked is None and not choices.is_question(ctx.text) and step != "confirm":
        picked = natural_pick(ctx, step, options)
        if picked is not None and step == "town" and 1 <= picked <= len(options):
            return _after_town(ctx, options[picked - 1], now)
    if picked is None or not 1 <= picked <= len(options):
        aside = choices.aside(ctx, lambda lead: ask(ctx, step, now, lead=lead))
        if aside is not None:
            return aside
        return ask(ctx, step, now, lead=f"请回复 1 到 {len(options)} 之间的数字。\n")
    return _chosen(ctx, step, options[picked - 1], now)


def _located(ctx: Context, step: str, now: datetime) -> Reply:
    """A location shared mid-flow: while choosing a station, offer the nearest ones."""
    if not record_location(ctx, now):
        lead = f"没能读取到这个位置，请{SHARE_HOW}重新发送。\n"
    elif step in ("town", "station") and not moving(ctx.conversation.data):
        return ask(ctx, "station", now, lead="已收到您的位置。\n", town=None)
    else:
        lead = "已收到您的位置。\n"
    if step not in PROMPTS:
        return choices.state_lost(ctx)
    return ask(ctx, step, now, lead=lead)


def _own_booking(ctx: Context, booking_id: object) -> Booking | None:
    row = ctx.session.get(Booking, int(str(booking_id or 0)))
    return row if row is not None and row.person_id == ctx.person.id else None


def _book(ctx: Context, start_iso: str, now: datetime) -> Reply:
    """Book (or move to) the chosen start; a refusal leads back to a step that can work."""
    data = ctx.conversation.data
    is_move = moving(data)
    station = station_of(ctx, data)
    if station is None:
        return end(ctx, "该服务站暂停预约。回复“附近”查看其他服务站。")
    start = datetime.fromisoformat(start_iso)
    # Kept in the state (saved with the next step) so a re-ask shows this day's times.
    data.update(start=start_iso, day=start.astimezone(LOCAL_TZ).date().isoformat())
    try:
        # A savepoint: a refusal undoes the desk taken before it, and nothing else.
        with ctx.session.begin_nested():
            if is_move:
                old = _own_booking(ctx, data.get("booking"))
                if old is None:
                    raise BookingError("not_active", "该预约已取消或已办理，无法改约。")
                made = booking.reschedule(ctx.session, old, start, now=now)
            else:
                service = int(data.get("service") or 0)
                made = booking.book(ctx.session, ctx.person, station, start, service, now)
    except BookingError as exc:
        return _refused(ctx, exc, start_iso, now)
    ctx.conversation.clear()
    return Reply(text=confirmation(ctx, made, is_move), intent="booking_done")


def _refused(ctx: Context, exc: BookingError, start_iso: str, now: datetime) -> Reply:
    code, lead = exc.code, exc.message + "\n"
    if code == "full":
        return ask(ctx, "alt", now, start=start_iso)
    if code == "too_soon" or (code == "duplicate" and moving(ctx.conversation.data)):
        return ask(ctx, "time", now, lead=lead)
    if code in ("too_far", "no_slot"):
        return ask(ctx, "day", now, lead=lead)
    if code == "service":
        return ask(ctx, "service", now, lead=lead)
    if code in ("limit", "duplicate"):
        return end(ctx, lead + "回复“我的预约”可查看、取消或改约。", "booking_refused")
    return end(ctx, lead + "回复“预约”重新开始，或发送“人工”。", "booking_refused")


def confirmation(ctx: Context, made: Booking, moved: bool) -> str:
    slot = made.slot
    lines = [
        "改约成功，原预约已取消。" if moved else "预约成功！",
        f"服务站：{made.station.name}",
        f"时间：{span_text(slot.starts_at, slot.ends_at)}",
        f"事项：{station_services.name_of(made.service)}",
        f"预约码：{made.code}（到站请出示预约码）",
    ]
    if made.station.address:
        lines.append(f"地址：{made.station.address}")
    lines += [
        links.anchor(links.booking_ics_url(ctx.settings, made.code), "加入手机日历"),
        "回复“我的预约”可取消或改约。",
    ]
    return "\n".join(lines)


# -- entering the flow ----------------------------------------------------------------------


@router.text(keywords=BOOK_KEYWORDS)
@router.menu("BOOK")
@router.intent("booking.start")
def start_booking(ctx: Context) -> Reply:
    """Start at the first step whose answer the person has not given yet: "帮我约明天上午
    安亭的服务站" goes straight to Anting's stations, and remembers the day and the part of
    the day for the steps after."""
    now = utcnow()
    if ctx.conversation.flow:
        ctx.conversation.clear()
    slots = ctx.slots
    wanted = {k: slots[k] for k in ("service", "date", "part_of_day") if k in slots}
    town = slots.get("town")
    if town:
        return _after_town(ctx, town, now, mode="book", wanted=wanted)
    person = ctx.person
    if person.latitude is not None and person.longitude is not None:
        return ask(ctx, "station", now, mode="book", town=None, wanted=wanted)
    return ask(ctx, "town", now, mode="book", wanted=wanted)


def start_move(
    ctx: Context, old: Booking, lead: str = "", wanted: dict[str, Any] | None = None
) -> Reply:
    """`改约N`: choose a new day and time at the same station for the same service; a day
    already named ("改到周五") goes straight to its times."""
    if ctx.conversation.flow:
        ctx.conversation.clear()
    now = utcnow()
    data: dict[str, Any] = {
        "mode": "move",
        "booking": old.id,
        "station": old.station_id,
        "service": old.service,
        "wanted": wanted or {},
    }
    day = (wanted or {}).get("date")
    if isinstance(day, str):
        choices.save_step(ctx, FLOW, "day", **data)
        if day in _free_day_values(ctx, now, old.station_id):
            return ask(ctx, "time", now, lead=lead, day=day, **data)
        lead += "您说的那天没有可预约的时段，请另选一天。\n"
    return ask(ctx, "day", now, lead=lead, **data)


router.offers(30, "发送“预约”：预约到服务站办事")
