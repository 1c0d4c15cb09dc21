"""`招聘会` / `活动`: upcoming events numbered; a number or `报名1` signs up, `我的报名` lists
one's sign-ups and `取消报名1` withdraws.

Numbers refer to the list the person last saw: its event (or sign-up) ids are kept in
Redis, so an event that started or was cancelled in between never shifts "报名2" onto
another one. Without that list (Redis down, or it expired) the current list is used.
Right after a list, a bare number answers it (a short flow); anything else leaves the
flow and is answered as usual.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.context import Context
from bot.handlers import choices, seen
from bot.handlers.fitted import fitted_list
from bot.reply import Reply
from bot.router import router
from core.jobs import events
from core.jobs.events import EventError
from core.jobs.models import Event, EventSignup
from core.nlu.dates import WEEKEND
from core.timeutil import LOCAL_TZ, local, utcnow
from core.wechat import links

FLOW = "events"
SHOWN = 5
ALL = 50  # upcoming events looked through for the ones a person names
SATURDAY = 5
EVENT_KEYWORDS = ("招聘会", "活动", "招聘活动", "近期活动", "活动报名", "报名", "招聘会报名")
MY_KEYWORDS = ("我的报名", "报名记录", "我的活动", "取消报名")
SIGN_UP_PATTERN = r"^\s*报名\s*第?\s*[0-9０-９]{1,2}\s*个?\s*$"
WITHDRAW_PATTERN = r"^\s*取消报名\s*第?\s*[0-9０-９]{1,2}\s*个?\s*$"


_remember = seen.remember
_remembered = seen.recall
KIND_WORDS = {
    "招聘会": ("job_fair", "recruitment_drive"),
    "培训": ("training",),
    "政策宣讲": ("policy_briefing",),
}


def matching(rows: list[Event], slots: dict[str, object], today: date) -> list[Event]:
    """The events among `rows` of the kind, day and town the person named."""
    kinds = KIND_WORDS.get(str(slots.get("event_kind") or ""))
    day = slots.get("date")
    town = slots.get("town")
    found = []
    for event in rows:
        when = event.starts_at.astimezone(LOCAL_TZ).date()
        if kinds and event.kind not in kinds:
            continue
        if day == WEEKEND and when.weekday() < SATURDAY:
            continue
        if isinstance(day, str) and day != WEEKEND and when.isoformat() != day:
            continue
        if town and event.town != town:
            continue
        found.append(event)
    return found


def _asked(ctx: Context) -> dict[str, object]:
    return ctx.slots


def _events_page(ctx: Context) -> str:
    return links.page_url(ctx.settings, "/m/events", ctx.message.from_user)


def _seats(event: Event, mine: bool) -> str:
    if mine:
        return "您已报名"
    left = events.seats_left(event)
    return f"还剩 {left} 个名额" if left else "名额已满"


def _block(number: int, event: Event, mine: bool) -> str:
    return (
        f"{number}. 【{events.kind_label(event)}】{event.title}\n"
        f"   时间：{events.when_text(event)}\n"
        f"   地点：{events.place_text(event)}\n"
        f"   {_seats(event, mine)}"
    )


@router.text(keywords=EVENT_KEYWORDS)
@router.menu("EVENTS")
@router.intent("event.list")
def list_events(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    now = utcnow()
    rows = events.upcoming(ctx.session, now, limit=ALL)
    if not rows:
        seen.forget(ctx, "events_list")
        return Reply(
            text="近期暂时没有招聘会或活动。回复“订阅”，有新活动时通知您。", intent="events_empty"
        )
    return _show_events(ctx, rows, _asked(ctx), now)


def _show_events(ctx: Context, rows: list[Event], asked: dict[str, object], now: datetime) -> Reply:
    """The events asked for (all upcoming when nothing was named, or nothing matches)."""
    head = "近期的招聘会和活动："
    wanted = matching(rows, asked, local(now).date()) if asked else rows
    if asked and not wanted:
        head = "暂时没有您说的那种活动。近期的招聘会和活动："
        wanted = rows
    elif asked and len(wanted) < len(rows):
        head = "为您找到这些活动："
    rows = wanted[:SHOWN]
    mine = {s.event_id for s in events.signups_of(ctx.session, ctx.person, now)}
    text, shown = fitted_list(
        head,
        [_block(i, e, e.id in mine) for i, e in enumerate(rows, start=1)],
        [
            "回复“报名1”报名第1个；“我的报名”查看或取消。",
            links.anchor(_events_page(ctx), "查看活动详情"),
        ],
    )
    ids = [e.id for e in rows[:shown]]
    _remember(ctx, "events_list", ids)
    choices.save_step(ctx, FLOW, "pick", options=ids)
    return Reply(text=text, intent="events")


def _pick_event(ctx: Context, index: int) -> Event | None:
    ids = _remembered(ctx, "events_list")
    if ids is None:
        rows = events.upcoming(ctx.session, utcnow(), limit=SHOWN)
        return rows[index - 1] if 1 <= index <= len(rows) else None
    return events.get_event(ctx.session, ids[index - 1]) if 1 <= index <= len(ids) else None


@router.intent("event.signup")
def sign_up_in_words(ctx: Context) -> Reply:
    """ "报第二个" signs up for the second of the list seen; "帮我报周六的招聘会" for the one
    event that fits; several fit: they are listed to pick from; none: the upcoming ones."""
    if ctx.conversation.flow:
        ctx.conversation.clear()
    asked = _asked(ctx)
    ids = _remembered(ctx, "events_list")
    index = seen.position(asked.get("ordinal"), len(ids) if ids else SHOWN)
    if index is not None:
        return _sign_up(ctx, index)
    now = utcnow()
    rows = events.upcoming(ctx.session, now, limit=ALL)
    fitting = matching(rows, asked, local(now).date()) if asked else []
    if len(fitting) == 1:
        _remember(ctx, "events_list", [fitting[0].id])
        return _sign_up(ctx, 1)
    if not rows:
        return Reply(
            text="近期暂时没有可报名的活动。回复“订阅”，有新活动时通知您。", intent="events_empty"
        )
    reply = _show_events(ctx, rows, asked, now)
    reply.text = "请回复数字选择要报名的活动。\n" + (reply.text or "")
    return reply


def _sign_up(ctx: Context, index: int) -> Reply:
    event = _pick_event(ctx, index)
    if event is None:
        return Reply(
            text=f"没有第 {index} 个活动。回复“招聘会”查看近期活动。", intent="event_signup"
        )
    try:
        events.sign_up(ctx.session, ctx.person, event, utcnow())
    except EventError as exc:
        hint = "回复“我的报名”查看。" if exc.code == "duplicate" else "回复“招聘会”查看其他活动。"
        return Reply(text=f"{exc.message}{hint}", intent="event_signup_refused")
    ctx.conversation.clear()
    return Reply(
        text=(
            f"报名成功！\n活动：{event.title}\n时间：{events.when_text(event)}\n"
            f"地点：{events.place_text(event)}\n回复“我的报名”可查看或取消报名。"
        ),
        intent="event_signup",
    )


@router.flow(FLOW)
def answer_list(ctx: Context) -> Reply:
    """A bare number answers the list just shown; anything else is a new question."""
    picked = choices.number(ctx.text)
    if picked is None:
        ctx.conversation.clear()
        rule = router.resolve(ctx)
        if rule is None:
            return Reply.quiet(intent="events")
        reply = rule.func(ctx)
        reply.handler = reply.handler or rule.name
        return reply
    options = ctx.conversation.data.get("options") or []
    if not 1 <= picked <= len(options):
        return Reply(
            text=f"请回复 1 到 {len(options)} 之间的数字报名，或回复“取消”退出。",
            intent="event_signup",
        )
    return _sign_up(ctx, picked)


@router.text(pattern=SIGN_UP_PATTERN)
def sign_up_by_number(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    return _sign_up(ctx, choices.number(ctx.text.strip().removeprefix("报名")) or 0)


@router.text(keywords=MY_KEYWORDS)
@router.menu("MY_SIGNUPS")
@router.intent("event.mine")
def my_signups(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    rows = events.signups_of(ctx.session, ctx.person, utcnow())
    if not rows:
        seen.forget(ctx, "my_signups")
        return Reply(text="您目前没有报名的活动。回复“招聘会”查看近期活动。", intent="my_signups")
    text, shown = fitted_list(
        f"您报名了 {len(rows)} 个活动：",
        [_block(i, s.event, True) for i, s in enumerate(rows, start=1)],
        ["回复“取消报名1”取消第1个。", links.anchor(_events_page(ctx), "查看全部报名")],
    )
    _remember(ctx, "my_signups", [s.id for s in rows[:shown]])
    return Reply(text=text, intent="my_signups")


def _pick_signup(ctx: Context, index: int) -> EventSignup | None:
    ids = _remembered(ctx, "my_signups")
    if ids is None:
        rows = events.signups_of(ctx.session, ctx.person, utcnow())
        return rows[index - 1] if 1 <= index <= len(rows) else None
    if not 1 <= index <= len(ids):
        return None
    return events.find_signup(ctx.session, ctx.person, ids[index - 1])


@seen.picker("my_signups")
def which_signup(ctx: Context, number: int) -> Reply:
    """ "2" after one's sign-ups: that event, and how to withdraw from it."""
    signup = _pick_signup(ctx, number)
    if signup is None:
        return Reply(text=f"没有第 {number} 个报名。回复“我的报名”查看。", intent="my_signups")
    return Reply(
        text=(f"{_block(number, signup.event, True)}\n回复“取消报名{number}”取消这个报名。"),
        intent="my_signups",
    )


@router.intent("event.withdraw")
def withdraw_in_words(ctx: Context) -> Reply:
    """ "周三那个培训不去了": withdraws the one sign-up that fits (or the n-th of the list
    seen); several fit, or none named: the sign-ups, to say which."""
    if ctx.conversation.flow:
        ctx.conversation.clear()
    asked = _asked(ctx)
    now = utcnow()
    rows = events.signups_of(ctx.session, ctx.person, now)
    if not rows:
        return Reply(text="您目前没有报名的活动。回复“招聘会”查看近期活动。", intent="my_signups")
    ids = _remembered(ctx, "my_signups")
    index = seen.position(asked.get("ordinal"), len(ids) if ids else len(rows))
    if index is not None:
        return _withdraw(ctx, _pick_signup(ctx, index), index)
    details = {k: v for k, v in asked.items() if k != "ordinal"}
    fitting_events = matching([s.event for s in rows], details, local(now).date())
    fitting = [s for s in rows if s.event in fitting_events]
    if len(fitting) == 1 or len(rows) == 1:
        return _withdraw(ctx, (fitting or rows)[0], 1)
    reply = my_signups(ctx)
    reply.text = "您报名了不止一个活动，请回复“取消报名+编号”告诉我取消哪一个。\n" + (
        reply.text or ""
    )
    return reply


@router.text(pattern=WITHDRAW_PATTERN)
def withdraw_by_number(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    index = choices.number(ctx.text.strip().removeprefix("取消报名")) or 0
    return _withdraw(ctx, _pick_signup(ctx, index), index)


def _withdraw(ctx: Context, signup: EventSignup | None, index: int) -> Reply:
    if signup is None:
        return Reply(
            text=f"没有找到第 {index} 个报名。回复“我的报名”查看。", intent="event_withdraw"
        )
    try:
        events.withdraw(ctx.session, signup, utcnow())
    except EventError as exc:
        return Reply(text=f"{exc.message}回复“我的报名”查看最新列表。", intent="event_withdraw")
    return Reply(
        text=f"已取消报名：{signup.event.title}（{events.when_text(signup.event)}），名额已释放。",
        intent="event_withdraw",
    )


router.offers(55, "发送“招聘会”：查看近期招聘会和活动并报名")
router.offers(56, "发送“我的报名”：查看或取消活动报名")
