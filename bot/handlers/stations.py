"""Finding a service station: the nearest to a shared location, or by town."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.context import Context
from bot.handlers import choices
from bot.reply import Reply
from bot.router import normalise, router
from bot.understanding import read_slots
from core.booking import stations
from core.booking.models import Station
from core.nlu.dates import WEEKEND
from core.people import people
from core.timeutil import local, utcnow
from core.wechat import links

STATION_KEYWORDS = (
    "附近",
    "服务站",
    "找服务站",
    "附近服务站",
    "就业服务站",
    "附近的服务站",
    "最近的服务站",
    "服务站在哪",
    "服务站在哪里",
)
NEARBY_LIMIT = 3
# "马陆", "安亭镇的": a town given as the answer to "which town"; longer says more.
TOWN_ANSWER_CHARS = 6
SHARE_HOW = "点输入框旁的“+”→“位置”→发送"
BOOK_HINT = "回复“预约”在聊天里预约。"
NO_STATIONS = "暂时没有可查询的服务站信息。如需帮助，请发送“人工”。"


def veterans_mark(station: Station) -> str:
    return "【退役军人专窗】" if station.has_veterans_window else ""


def station_lines(
    ctx: Context, index: int, station: Station, now: datetime, distance: str = ""
) -> list[str]:
    """One station: name and mark, distance and today's hours, its booking link."""
    where = f"{distance}｜" if distance else ""
    link = links.page_url(ctx.settings, "/m/book", ctx.message.from_user, station=station.id)
    return [
        f"{index}. {station.name}{veterans_mark(station)}",
        f"   {where}{stations.hours_text(station, now)}",
        f"   {links.anchor(link, '预约这个服务站')}",
    ]


def nearby_reply(
    ctx: Context, latitude: float, longitude: float, now: datetime, lead: str = ""
) -> Reply:
    found = stations.nearest(ctx.session, latitude, longitude, limit=NEARBY_LIMIT)
    if not found:
        return Reply(text=lead + NO_STATIONS, intent="stations_nearby")
    lines = [f"{lead}离您最近的 {len(found)} 个就业服务站："]
    for i, near in enumerate(found, start=1):
        lines += station_lines(ctx, i, near.station, now, near.distance_text)
    lines.append(BOOK_HINT)
    return Reply(text="\n".join(lines), intent="stations_nearby")


def record_location(ctx: Context, now: datetime) -> bool:
    """Keep the shared location on the person; False when it is not a real coordinate."""
    msg = ctx.message
    if msg.latitude is None or msg.longitude is None:
        return False
    return people.record_location(ctx.person, msg.latitude, msg.longitude, msg.label, now=now)


def location_reply(ctx: Context) -> Reply:
    """A shared location: store it and answer with the nearest stations."""
    now = utcnow()
    if not record_location(ctx, now):
        return Reply(text=f"没能读取到这个位置，请{SHARE_HOW}，重新发送一次。", intent="location")
    assert ctx.message.latitude is not None
    assert ctx.message.longitude is not None
    where = f"（{ctx.message.label[:30]}）" if ctx.message.label else ""
    lead = f"已收到您的位置{where}。"
    reply = nearby_reply(ctx, ctx.message.latitude, ctx.message.longitude, now, lead)
    reply.intent = "location"
    return reply


@router.text(keywords=STATION_KEYWORDS)
@router.menu("STATIONS")
@router.intent("station.nearest")
def find_stations(ctx: Context, **asked: Any) -> Reply:
    """Nearest stations if we know where the person is today; otherwise towns to pick from
    (`asked`: what the town is wanted for, e.g. the hours on a day, kept for the answer)."""
    now = utcnow()
    person = ctx.person
    if ctx.conversation.flow:
        ctx.conversation.clear()
    if (
        person.latitude is not None
        and person.longitude is not None
        and choices.location_is_fresh(person.location_at, now)
    ):
        return nearby_reply(ctx, person.latitude, person.longitude, now)
    towns = stations.by_town(ctx.session)
    if not towns:
        return Reply(text=NO_STATIONS, intent="stations_towns")
    lead = f"想找离您最近的服务站，请发送您的位置：{SHARE_HOW}。\n"
    names = list(towns)
    if not choices.save_step(ctx, "stations", "town", towns=names, **asked):
        return choices.state_lost(ctx, lead)
    labels = [f"{town}（{len(towns[town])}个）" for town in names]
    return Reply(
        text=lead + "也可以按街镇查看，回复数字：\n" + choices.numbered(labels),
        intent="stations_towns",
    )


@router.flow("stations")
def pick_town(ctx: Context) -> Reply:
    """A number after the town list shows that town's stations; the flow then ends."""
    if ctx.message.msg_type == "location":
        ctx.conversation.clear()
        return location_reply(ctx)
    names = [str(n) for n in ctx.conversation.data.get("towns", [])]
    asked = {k: v for k, v in ctx.conversation.data.items() if k != "towns"}
    picked = choices.number(ctx.text)
    just_a_town = picked is None and len(normalise(ctx.text)) <= TOWN_ANSWER_CHARS
    named = read_slots(ctx.text).get("town") if just_a_town else None
    if named in names:  # "马陆" for the town asked about; a longer message is read whole
        ctx.conversation.clear()
        return _for_town(ctx, str(named), asked)
    if picked is None:
        # The town list is a side offer: anything but a number or a town is answered as usual.
        ctx.conversation.clear()
        rule = router.resolve(ctx)
        return rule.func(ctx) if rule else Reply.quiet(intent="stations_left")
    if not names:
        return choices.state_lost(ctx)
    if not 1 <= picked <= len(names):
        return Reply(
            text=(
                f"请回复 1 到 {len(names)} 之间的数字选择街镇，"
                f"或发送您的位置（{SHARE_HOW}）；回复“取消”退出。"
            ),
            intent="stations_towns",
        )
    ctx.conversation.clear()
    return _for_town(ctx, names[picked - 1], asked)


def _for_town(ctx: Context, town: str, asked: dict[str, Any]) -> Reply:
    """The town's stations, or their hours when that is what the town was asked for."""
    if asked.get("purpose") == "hours":
        return hours_reply(ctx, town, asked.get("date"))
    return town_reply(ctx, town)


def town_reply(ctx: Context, town: str) -> Reply:
    ctx.topic_slots = {"town": town}
    now = utcnow()
    rows = stations.by_town(ctx.session).get(town, [])
    if not rows:
        return Reply(
            text=f"{town}暂时没有可查询的服务站。发送“附近”重新查找。", intent="stations_town"
        )
    lines = [f"{town}的就业服务站："]
    for i, station in enumerate(rows, start=1):
        lines += station_lines(ctx, i, station, now)
    lines.append(BOOK_HINT)
    return Reply(text="\n".join(lines), intent="stations_town")


@router.intent("station.find")
def stations_of_town(ctx: Context) -> Reply:
    """ "安亭有没有服务站": that town's stations; without a town, as "服务站"."""
    town = ctx.slots.get("town")
    if not town:
        return find_stations(ctx)
    if ctx.conversation.flow:
        ctx.conversation.clear()
    return town_reply(ctx, str(town))


@router.intent("station.hours")
def opening_hours(ctx: Context) -> Reply:
    """ "服务站周末开门吗": the real hours of the stations the person means, on the day asked.

    Which stations: the town named, else the nearest to a location shared today, else the
    person is asked for the town (the town list, whose answer shows today's hours)."""
    now = utcnow()
    slots = ctx.slots
    town = slots.get("town")
    person = ctx.person
    if town:
        return hours_reply(ctx, str(town), slots.get("date"))
    if (
        person.latitude is not None
        and person.longitude is not None
        and choices.location_is_fresh(person.location_at, now)
    ):
        rows = [
            n.station for n in stations.nearest(ctx.session, person.latitude, person.longitude, 1)
        ]
        return _hours_of(ctx, rows, "离您最近的服务站", slots.get("date"))
    asked = {"purpose": "hours", "date": _jsonable_day(slots.get("date"))}
    reply = find_stations(ctx, **{k: v for k, v in asked.items() if v is not None})
    reply.text = "各服务站开放时间不同，请告诉我是哪个街镇的。\n" + (reply.text or "")
    return reply


def _jsonable_day(day: object) -> str | None:
    """A day slot as kept in the conversation state (ISO text; a span as its own text)."""
    if day is None:
        return None
    return day.isoformat() if isinstance(day, date) else str(day)


def hours_reply(ctx: Context, town: str, day: object) -> Reply:
    """The hours of a town's stations on the day asked (today and the next days without one)."""
    ctx.topic_slots = {"town": town, **({"date": _jsonable_day(day)} if day else {})}
    rows = stations.by_town(ctx.session).get(town, [])
    if not rows:
        return Reply(
            text=f"{town}暂时没有可查询的服务站。发送“服务站”按街镇查看。", intent="stations_hours"
        )
    return _hours_of(ctx, rows, f"{town}的服务站", day)


def _hours_of(ctx: Context, rows: list[Station], where: str, day: object) -> Reply:
    now = utcnow()
    days = hours_days(day, local(now).date())
    lines = [f"{where}开放时间："]
    for i, station in enumerate(rows, start=1):
        lines.append(f"{i}. {station.name}{veterans_mark(station)}")
        lines += [f"   {line}" for line in stations.days_text(station, days, local(now).date())]
    lines.append(BOOK_HINT)
    return Reply(text="\n".join(lines), intent="stations_hours")


def hours_days(asked: object, today: date) -> list[date]:
    """The days to show: the day asked, both days of a weekend, or today."""
    if asked == WEEKEND:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return [saturday, saturday + timedelta(days=1)]
    if isinstance(asked, str):
        try:
            return [date.fromisoformat(asked)]
        except ValueError:
            pass
    return [today]


router.offers(20, "发送位置或“附近”：查找最近的就业服务站")
