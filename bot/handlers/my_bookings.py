"""`我的预约`: a person's upcoming bookings, `取消N` to cancel one, `改约N` to move one.

The numbers refer to the list the person last saw: its booking ids are kept in Redis
for a while, so a booking that passed or changed in between (or was just cancelled)
never shifts "取消2" onto another one. Without that list (Redis down, or it expired)
the current list is used. The booking code is a reference that never shifts at all:
"取消K7M2QX" works too. Cancelling is asked once more ("确认取消…？回复 是 / 否") and
names the booking by its time, station and code, so a person sees what a number meant
before anything happens. Only the person's own bookings are ever listed, cancelled or
moved.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.handlers import choices, seen
from bot.handlers.booking_chat import start_move
from bot.reply import Reply
from bot.router import normalise, router
from core.booking import booking, station_services
from core.booking.booking import BookingError
from core.booking.models import ACTIVE, Booking
from core.booking.texts import when_text
from core.timeutil import local, span_text, utcnow
from core.wechat import links

MY_KEYWORDS = ("我的预约", "查看预约", "预约记录", "我的预约记录", "取消预约", "改约", "改期")
ACTION_PATTERN = r"^\s*(取消|改约|改期)\s*第?\s*[0-9０-９]{1,2}\s*个?\s*$"
# "取消K7M2QX": a booking by its code (booking.CODE_ALPHABET, six characters).
CODE_PATTERN = r"^\s*(取消|改约|改期)\s*(预约码)?\s*[A-Za-z2-9]{6}\s*$"
CONFIRM_FLOW = "cancel_booking"
YES = frozenset({"是", "是的", "确认", "确定", "确认取消", "对", "好", "好的", "嗯", "可以"})
NO = frozenset({"否", "不", "不是", "不要", "不用", "不取消", "算了", "保留", "不了"})


LIST = "mybookings"


def _upcoming(ctx: Context) -> list[Booking]:
    return sorted(
        booking.bookings_of(ctx.session, ctx.person), key=lambda b: (b.slot.starts_at, b.id)
    )


def _line(index: int, row: Booking) -> str:
    return (
        f"{index}. {when_text(row)}\n"
        f"   {row.station.name}\n"
        f"   {station_services.name_of(row.service)}｜预约码 {row.code}"
    )


@router.text(keywords=MY_KEYWORDS)
@router.menu("MY_BOOKINGS")
@router.intent("booking.mine")
def list_bookings(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    rows = _upcoming(ctx)
    page = links.page_url(ctx.settings, "/m/bookings", ctx.message.from_user)
    if not rows:
        return Reply(
            text=f"您目前没有待办理的预约。\n回复“预约”预约到服务站办事。\n{links.anchor(page, '预约记录')}",
            intent="my_bookings",
        )
    seen.remember(ctx, LIST, [row.id for row in rows])
    lines = [f"您有 {len(rows)} 个预约："] + [_line(i, r) for i, r in enumerate(rows, start=1)]
    lines += [
        f"回复“取消1”取消第1个，“改约1”改约第1个（也可以用预约码，如“取消{rows[0].code}”）。",
        links.anchor(page, "查看预约详情"),
    ]
    return Reply(text="\n".join(lines), intent="my_bookings")


def _pick(ctx: Context, index: int) -> Booking | None:
    """The index-th booking of the list the person saw; never someone else's."""
    ids = seen.recall(ctx, LIST)
    if ids is None:
        rows = _upcoming(ctx)
        return rows[index - 1] if 1 <= index <= len(rows) else None
    if not 1 <= index <= len(ids):
        return None
    row = ctx.session.get(Booking, ids[index - 1])
    return row if row is not None and row.person_id == ctx.person.id else None


@seen.picker(LIST)
def which_action(ctx: Context, number: int) -> Reply:
    """ "2" after the list: that booking, and the two things a person can do with it."""
    row = _pick(ctx, number)
    if row is None or row.status != ACTIVE:
        return Reply(text=f"没有第 {number} 个预约。回复“我的预约”查看。", intent="my_bookings")
    return Reply(
        text=(f"{_line(number, row)}\n回复“取消{number}”取消这个预约，“改约{number}”换个时间。"),
        intent="my_bookings",
    )


@router.text(pattern=CODE_PATTERN)
def act_on_code(ctx: Context) -> Reply:
    """`取消K7M2QX` / `改约K7M2QX`: the booking with that code, if it is the person's."""
    text = ctx.text.strip()
    code = text[-6:]
    if ctx.conversation.flow:
        ctx.conversation.clear()
    row = booking.find_for_person(ctx.session, ctx.person, code)
    if row is None:
        return Reply(
            text=f"没有找到预约码为 {code.upper()} 的预约。回复“我的预约”查看您的预约。",
            intent="my_bookings",
        )
    return _act(ctx, row, text.startswith("取消"))


@router.text(pattern=ACTION_PATTERN)
def act_on_booking(ctx: Context) -> Reply:
    """`取消N` asks to confirm the cancellation; `改约N` asks for a new day and time."""
    text = ctx.text.strip()
    index = choices.number(text.lstrip("取消改约期 ")) or 0
    if ctx.conversation.flow:
        ctx.conversation.clear()
    row = _pick(ctx, index)
    if row is None:
        return Reply(
            text=f"没有找到第 {index} 个预约。回复“我的预约”查看您的预约。", intent="my_bookings"
        )
    return _act(ctx, row, text.startswith("取消"))


def _act(ctx: Context, row: Booking, cancel: bool) -> Reply:
    if row.status != ACTIVE:
        return Reply(
            text="该预约已取消或已办理。回复“我的预约”查看最新列表。", intent="my_bookings"
        )
    if cancel:
        return _ask_to_cancel(ctx, row)
    # The move replaces this booking: the next 取消N/改约N reads the list afresh.
    seen.forget(ctx, LIST)
    lead = f"改约：{span_text(row.slot.starts_at)} {row.station.name}\n"
    return start_move(ctx, row, lead)


def _named(ctx: Context) -> tuple[Booking | None, list[Booking]]:
    """The booking a person's words point at ("明天那个", "第二个", "失业登记那个"): the one
    that fits, or None with all upcoming ones when it is not clear which."""
    rows = _upcoming(ctx)
    slots = ctx.slots
    ids = seen.recall(ctx, LIST)
    index = seen.position(slots.get("ordinal"), len(ids) if ids else len(rows))
    if index is not None:
        return _pick(ctx, index), rows
    day, service = slots.get("date"), slots.get("service")
    fitting = [
        r
        for r in rows
        if (not isinstance(day, str) or local(r.slot.starts_at).date().isoformat() == day)
        and (not service or str(r.service) == str(service))
    ]
    if len(fitting) == 1:
        return fitting[0], rows
    if len(rows) == 1 and not (day or service):
        return rows[0], rows
    return None, rows


@router.intent("booking.cancel")
def cancel_in_words(ctx: Context) -> Reply:
    """ "明天那个约不去了": cancels the booking meant; when unclear, lists them to choose."""
    if ctx.conversation.flow:
        ctx.conversation.clear()
    row, rows = _named(ctx)
    if row is not None and row.status == ACTIVE:
        return _ask_to_cancel(ctx, row)
    reply = list_bookings(ctx)
    if rows:
        reply.text = "请告诉我取消哪一个：回复“取消+编号”。\n" + (reply.text or "")
    return reply


@router.intent("booking.reschedule")
def move_in_words(ctx: Context) -> Reply:
    """ "周三的改到周五下午": moves the booking meant, offering the day (and part of the day)
    named for the new time; when unclear which, lists them to choose."""
    if ctx.conversation.flow:
        ctx.conversation.clear()
    slots = ctx.slots
    rows = _upcoming(ctx)
    # The day named is the new one: pick the booking by position alone, or the only one.
    ids = seen.recall(ctx, LIST)
    index = seen.position(slots.get("ordinal"), len(ids) if ids else len(rows))
    row = _pick(ctx, index) if index is not None else (rows[0] if len(rows) == 1 else None)
    if row is None or row.status != ACTIVE:
        reply = list_bookings(ctx)
        if rows:
            reply.text = "请告诉我改哪一个：回复“改约+编号”。\n" + (reply.text or "")
        return reply
    seen.forget(ctx, LIST)
    wanted: dict[str, Any] = {k: slots[k] for k in ("date", "part_of_day") if k in slots}
    lead = f"改约：{span_text(row.slot.starts_at)} {row.station.name}\n"
    return start_move(ctx, row, lead, wanted)


def _ask_to_cancel(ctx: Context, row: Booking) -> Reply:
    """Cancelling frees the desk for someone else: name the booking and ask first."""
    if not choices.save_step(ctx, CONFIRM_FLOW, "confirm", booking_id=row.id):
        # The answer could not be remembered: cancel on the page, which asks there.
        ctx.conversation.clear()
        page = links.page_url(ctx.settings, "/m/bookings", ctx.message.from_user)
        return Reply(
            text=(
                "抱歉，系统暂时记不住聊天进度，请点链接在页面上取消：\n"
                f"{links.anchor(page, '我的预约')}"
            ),
            intent="flow_state_lost",
        )
    return Reply(
        text=(
            f"确认取消这个预约吗？\n{when_text(row)}\n{row.station.name}\n"
            f"{station_services.name_of(row.service)}｜预约码 {row.code}\n"
            "回复 是 / 否"
        ),
        intent="booking_cancel_confirm",
    )


@router.flow(CONFIRM_FLOW)
def confirm_cancel(ctx: Context) -> Reply:
    """The answer to "确认取消…？": 是 cancels that booking (still the person's and still
    active), 否 keeps it, anything else asks again."""
    answer = normalise(ctx.text)
    booking_id = ctx.conversation.data.get("booking_id")
    if answer not in YES and answer not in NO:
        return Reply(
            text="请回复“是”确认取消，或回复“否”保留这个预约。", intent="booking_cancel_confirm"
        )
    ctx.conversation.clear()
    if answer in NO:
        return Reply(text="好的，预约保留，没有取消。", intent="booking_cancel_kept")
    row = ctx.session.get(Booking, booking_id) if isinstance(booking_id, int) else None
    if row is None or row.person_id != ctx.person.id:
        return Reply(text="没有找到这个预约。回复“我的预约”查看。", intent="my_bookings")
    if row.status != ACTIVE:
        return Reply(
            text="该预约已取消或已办理。回复“我的预约”查看最新列表。", intent="my_bookings"
        )
    return _cancel(ctx, row)


def _cancel(ctx: Context, row: Booking) -> Reply:
    try:
        with ctx.session.begin_nested():
            booking.cancel(ctx.session, row, by="person", now=utcnow())
    except BookingError as exc:
        return Reply(text=exc.message + "回复“我的预约”查看最新列表。", intent="my_bookings")
    return Reply(
        text=(
            f"已取消：{span_text(row.slot.starts_at)} {row.station.name}"
            f"（预约码 {row.code}）。\n其他预约的编号不变。如需重新预约，回复“预约”。"
        ),
        intent="booking_cancelled",
    )


router.offers(40, "发送“我的预约”：查看、取消或改约")
