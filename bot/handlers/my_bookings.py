"""`我的预约`: a person's upcoming bookings, `取消N` to cancel one, `改约N` to move one.

The numbers refer to the list the person last saw: its booking ids are kept in Redis
for a while, so a booking that passed or changed in between never shifts "取消2" onto
another one. Without that list (Redis down, or it expired) the current list is used.
Only the person's own bookings are ever listed, cancelled or moved.
"""

from __future__ import annotations

import json

from bot.context import Context
from bot.handlers import choices
from bot.handlers.booking_chat import start_move
from bot.reply import Reply
from bot.router import router
from core.booking import booking, station_services
from core.booking.booking import BookingError
from core.booking.models import ACTIVE, Booking
from core.cache import cache
from core.timeutil import utcnow
from core.wechat import links

MY_KEYWORDS = ("我的预约", "查看预约", "预约记录", "我的预约记录", "取消预约", "改约", "改期")
ACTION_PATTERN = r"^\s*(取消|改约|改期)\s*第?\s*[0-9０-９]{1,2}\s*个?\s*$"


def _list_key(openid: str) -> str:
    return cache.key("mybookings", openid)


def _upcoming(ctx: Context) -> list[Booking]:
    return sorted(
        booking.bookings_of(ctx.session, ctx.person), key=lambda b: (b.slot.starts_at, b.id)
    )


def _line(index: int, row: Booking) -> str:
    return (
        f"{index}. {choices.when_label(row.slot.starts_at, row.slot.ends_at)}\n"
        f"   {row.station.name}\n"
        f"   {station_services.name_of(row.service)}｜预约码 {row.code}"
    )


@router.text(keywords=MY_KEYWORDS)
@router.menu("MY_BOOKINGS")
def list_bookings(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    rows = _upcoming(ctx)
    page = links.page_url(ctx.settings, "/m/bookings", ctx.message.from_user)
    if not rows:
        return Reply(
            text=f"您目前没有待办理的预约。\n回复“预约”预约到服务站办事。\n预约记录：{page}",
            intent="my_bookings",
        )
    cache.set(
        _list_key(ctx.message.from_user),
        json.dumps([row.id for row in rows]),
        ctx.settings.conversation_ttl_seconds,
    )
    lines = [f"您有 {len(rows)} 个预约："] + [_line(i, r) for i, r in enumerate(rows, start=1)]
    lines += ["回复“取消1”取消第1个，“改约1”改约第1个。", f"查看详情：{page}"]
    return Reply(text="\n".join(lines), intent="my_bookings")


def _pick(ctx: Context, index: int) -> Booking | None:
    """The index-th booking of the list the person saw; never someone else's."""
    raw = cache.get(_list_key(ctx.message.from_user))
    try:
        ids = [int(i) for i in json.loads(raw)] if raw else None
    except (TypeError, ValueError):
        ids = None
    if ids is None:
        rows = _upcoming(ctx)
        return rows[index - 1] if 1 <= index <= len(rows) else None
    if not 1 <= index <= len(ids):
        return None
    row = ctx.session.get(Booking, ids[index - 1])
    return row if row is not None and row.person_id == ctx.person.id else None


@router.text(pattern=ACTION_PATTERN)
def act_on_booking(ctx: Context) -> Reply:
    """`取消N` cancels at once; `改约N` asks for a new day and time."""
    text = ctx.text.strip()
    index = choices.number(text.lstrip("取消改约期 ")) or 0
    if ctx.conversation.flow:
        ctx.conversation.clear()
    row = _pick(ctx, index)
    if row is None:
        return Reply(
            text=f"没有找到第 {index} 个预约。回复“我的预约”查看您的预约。", intent="my_bookings"
        )
    if row.status != ACTIVE:
        return Reply(
            text="该预约已取消或已办理。回复“我的预约”查看最新列表。", intent="my_bookings"
        )
    if text.startswith("取消"):
        return _cancel(ctx, row)
    # The move replaces this booking: the next 取消N/改约N reads the list afresh.
    cache.delete(_list_key(ctx.message.from_user))
    lead = f"改约：{choices.when_label(row.slot.starts_at)} {row.station.name}\n"
    return start_move(ctx, row, lead)


def _cancel(ctx: Context, row: Booking) -> Reply:
    try:
        with ctx.session.begin_nested():
            booking.cancel(ctx.session, row, by="person", now=utcnow())
    except BookingError as exc:
        return Reply(text=exc.message + "回复“我的预约”查看最新列表。", intent="my_bookings")
    return Reply(
        text=(
            f"已取消：{choices.when_label(row.slot.starts_at)} {row.station.name}"
            f"（预约码 {row.code}）。\n如需重新预约，回复“预约”。"
        ),
        intent="booking_cancelled",
    )


router.offers(40, "发送“我的预约”：查看、取消或改约")
