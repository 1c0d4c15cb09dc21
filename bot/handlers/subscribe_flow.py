"""`订阅`: choose what to receive in a few numbered steps; `退订` stops everything at once.

Steps: what (岗位 / 招聘会和活动 / 政策资讯, several at once like "1 3") → towns and
industries (numbers, 0 = 不限) and the daily digest, asked only when jobs were chosen →
confirm. Nothing is saved until the person confirms; a wrong answer re-asks the same
step. The same choices are on `/m/subscriptions`, through core.jobs.subscriptions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.context import Context
from bot.handlers import choices
from bot.reply import Reply
from bot.router import normalise, router
from core.booking.models import TOWNS
from core.jobs import subscriptions
from core.jobs.models import CATEGORY_LABELS, EVENTS, INDUSTRIES, JOBS, POLICY_NEWS
from core.jobs.subscriptions import Choices, SubscriptionError
from core.nlu.vocab import vocabulary
from core.wechat import links

FLOW = "subscribe"
WHAT = (JOBS, EVENTS, POLICY_NEWS)
LEAVE = "回复“取消”退出。"
SUBSCRIBE_KEYWORDS = ("订阅", "订阅消息", "我要订阅", "修改订阅", "订阅设置")
MY_KEYWORDS = ("我的订阅", "查看订阅")
UNSUBSCRIBE_KEYWORDS = ("退订", "取消订阅", "退订全部", "不要推送")
YES = {"1", "是", "要", "好", "好的", "需要", "确认", "确定", "对", "可以", "ok"}
NO = {"2", "否", "不", "不要", "不用", "不需要"}
_SPLIT = re.compile(r"[\s,，、;；.。]+")
MAX_DIGITS = 2  # the lists have at most 13 items


def numbers(text: str) -> list[int] | None:
    """Several numbers at once ("1 3", "1,3", "13" for single-digit lists is not guessed)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    parts = [p for p in _SPLIT.split(cleaned) if p]
    if not parts or not all(p.isdigit() and len(p) <= MAX_DIGITS for p in parts):
        return None
    return sorted({int(p) for p in parts})


def _what_prompt() -> str:
    labels = [CATEGORY_LABELS[c] for c in WHAT]
    return f"您想接收哪些消息？可以多选，用空格隔开，如“1 3”：\n{choices.numbered(labels)}\n{LEAVE}"


def _list_prompt(title: str, values: tuple[str, ...]) -> str:
    return (
        f"{title}可以多选，用空格隔开，如“1 3”；回复 0 表示不限：\n"
        f"{choices.numbered(list(values))}\n{LEAVE}"
    )


PROMPTS = {
    "what": _what_prompt,
    "towns": lambda: _list_prompt("想看哪些街镇的岗位？", TOWNS),
    "industries": lambda: _list_prompt("想看哪些行业的岗位？", INDUSTRIES),
    "digest": lambda: f"每天推送一次新发布的匹配岗位吗？\n1. 要\n2. 不要\n{LEAVE}",
}


def _choices(data: dict[str, Any]) -> Choices:
    what = set(data.get("what") or [])
    return Choices(
        jobs=JOBS in what,
        towns=list(data.get("towns") or []),
        industries=list(data.get("industries") or []),
        events=EVENTS in what,
        policy_news=POLICY_NEWS in what,
        digest=bool(data.get("digest")),
    )


def _summary(wanted: Choices) -> str:
    parts = []
    if wanted.jobs:
        towns = "、".join(wanted.towns) or "不限"
        industries = "、".join(wanted.industries) or "不限"
        parts.append(f"· 岗位信息（街镇：{towns}；行业：{industries}）")
        parts.append("· 每日新岗位推送" if wanted.digest else "· 不要每日推送")
    if wanted.events:
        parts.append("· 招聘会和活动")
    if wanted.policy_news:
        parts.append("· 政策资讯")
    return "\n".join(parts)


def _ask(ctx: Context, step: str, lead: str = "", **data: Any) -> Reply:
    if not choices.save_step(ctx, FLOW, step, **data):
        return _state_lost(ctx)
    if step == "confirm":
        text = (
            f"请确认您的订阅：\n{_summary(_choices(ctx.conversation.data))}\n"
            f"1. 确认\n2. 重新选择\n{LEAVE}"
        )
    else:
        text = PROMPTS[step]()
    return Reply(text=lead + text, intent=f"subscribe_{step}")


def _state_lost(ctx: Context) -> Reply:
    ctx.conversation.clear()
    page = links.page_url(ctx.settings, "/m/subscriptions", ctx.message.from_user)
    return Reply(
        text=f"抱歉，系统暂时记不住聊天进度。请点链接在页面上设置订阅：\n{links.anchor(page, '设置订阅')}",
        intent="flow_state_lost",
    )


def _picked(text: str, values: tuple[str, ...]) -> list[str] | None:
    """The values chosen by number ("1 3", 0 for any), or named in words ("安亭 江桥",
    "都行"); None when the answer names none of them."""
    got = numbers(text)
    if got is None:
        return _named(text, values)
    if got == [0]:
        return []
    if not all(1 <= n <= len(values) for n in got):
        return None
    return [values[n - 1] for n in got]


ANY = ("不限", "都行", "都可以", "随便", "无所谓", "全部", "都要")


def _named(text: str, values: tuple[str, ...]) -> list[str] | None:
    """Towns, industries or kinds of message named in words, as the vocabularies read them."""
    if any(word in text for word in ANY):
        return []
    found: list[str] = []
    for hit in vocabulary().scan(text):
        value = hit.value
        if hit.slot == "job_kind":
            value = vocabulary().job_industries.get(value, "")
        elif hit.slot == "topic":
            value = TOPIC_CATEGORIES.get(value, "")
        if value in values and value not in found:
            found.append(value)
    found += [v for v in values if v in text and v not in found]
    return found or None


def _after_what(ctx: Context, what: list[str]) -> Reply:
    if JOBS in what:
        return _ask(ctx, "towns", what=what)
    return _ask(ctx, "confirm", what=what, towns=[], industries=[], digest=False)


@router.flow(FLOW)
def answer(ctx: Context) -> Reply:
    step = ctx.conversation.step or ""
    if step == "confirm":
        return _confirmed(ctx)
    if step == "what":
        picked = _picked(ctx.text, WHAT)
        if not picked:
            return _unclear(ctx, "what", "请回复 1 到 3 之间的数字，可以多选。\n")
        return _after_what(ctx, picked)
    if step in ("towns", "industries"):
        values = TOWNS if step == "towns" else INDUSTRIES
        picked = _picked(ctx.text, values)
        if picked is None:
            return _unclear(ctx, step, f"请回复 0 到 {len(values)} 之间的数字，可以多选。\n")
        if step == "towns":
            return _ask(ctx, "industries", towns=picked)
        return _ask(ctx, "digest", industries=picked)
    if step == "digest":
        text = normalise(ctx.text)
        if text not in YES and text not in NO:
            return _ask(ctx, "digest", lead="请回复 1（要）或 2（不要）。\n")
        return _ask(ctx, "confirm", digest=text in YES)
    return _state_lost(ctx)


def _unclear(ctx: Context, step: str, lead: str) -> Reply:
    """Not an answer to the step: a question is answered and the step asked again, another
    request leaves the flow (choices.aside); otherwise the step is asked again."""
    aside = choices.aside(ctx, lambda more: _ask(ctx, step, lead=more))
    return aside if aside is not None else _ask(ctx, step, lead=lead)


def _confirmed(ctx: Context) -> Reply:
    text = normalise(ctx.text)
    if text in YES:
        return _save(ctx)
    if text in NO or text == "重新选择":
        return _ask(ctx, "what")
    return _ask(ctx, "confirm", lead="请回复 1 确认，或 2 重新选择。\n")


TOPIC_CATEGORIES = {"jobs": JOBS, "events": EVENTS, "policy": POLICY_NEWS, "digest": JOBS}


def _current_choices(ctx: Context) -> dict[str, Any]:
    """What the person receives now, as the flow's data: a new wish adds to it."""
    current = subscriptions.get(ctx.session, ctx.person)
    if current is None or not current.anything:
        return {"what": []}
    data: dict[str, Any] = {
        "what": [
            c
            for c, on in (
                (JOBS, current.jobs),
                (EVENTS, current.events),
                (POLICY_NEWS, current.policy_news),
            )
            if on
        ]
    }
    if current.jobs:
        data.update(
            towns=list(current.towns or []),
            industries=list(current.industries or []),
            digest=current.digest,
        )
    return data


def _from_words(ctx: Context) -> Reply | None:
    """ "马陆保安的活有了跟我说一声": what the person already said fills its steps (jobs, in
    马陆镇, 物业保安) and the flow asks only what is left before confirming."""
    slots = ctx.slots
    topics = [str(t) for t in slots.get("topic") or []]
    kind = slots.get("job_kind")
    what = {TOPIC_CATEGORIES[t] for t in topics if t in TOPIC_CATEGORIES}
    if slots.get("town") or kind:
        what.add(JOBS)
    if slots.get("event_kind"):
        what.add(EVENTS)
    if not what:
        return None
    data = _current_choices(ctx)
    what |= set(data.pop("what"))
    data["what"] = [c for c in WHAT if c in what]
    if slots.get("town"):
        data["towns"] = sorted({*data.get("towns", []), str(slots["town"])})
    industry = vocabulary().job_industries.get(str(kind)) if kind else None
    if industry:
        data["industries"] = sorted({*data.get("industries", []), industry})
    if "digest" in topics:
        data["digest"] = True
    if JOBS not in what:
        return _ask(ctx, "confirm", towns=[], industries=[], digest=False, **data)
    for step in ("towns", "industries", "digest"):
        if step not in data:
            return _ask(ctx, step, **data)
    return _ask(ctx, "confirm", **data)


def _save(ctx: Context) -> Reply:
    wanted = _choices(ctx.conversation.data)
    ctx.conversation.clear()
    try:
        with ctx.session.begin_nested():
            saved = subscriptions.update(ctx.session, ctx.person, wanted)
    except SubscriptionError as exc:
        return Reply(text=f"{exc.message}请回复“订阅”重新选择。", intent="subscribe_refused")
    return Reply(
        text=f"订阅已保存。\n{subscriptions.describe(saved)}\n随时回复“退订”可停止全部推送。",
        intent="subscribe_done",
    )


@router.text(keywords=SUBSCRIBE_KEYWORDS)
@router.menu("SUBSCRIBE")
@router.intent("subscribe")
def start(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    said = _from_words(ctx)
    if said is not None:
        return said
    current = subscriptions.describe(subscriptions.get(ctx.session, ctx.person))
    return _ask(ctx, "what", lead=f"{current}\n")


@router.text(keywords=MY_KEYWORDS)
@router.intent("subscription.mine")
def show_mine(ctx: Context) -> Reply:
    current = subscriptions.describe(subscriptions.get(ctx.session, ctx.person))
    page = links.page_url(ctx.settings, "/m/subscriptions", ctx.message.from_user)
    return Reply(
        text=f"{current}\n回复“订阅”修改，“退订”停止全部推送。\n{links.anchor(page, '在页面上设置')}",
        intent="my_subscription",
    )


@router.text(keywords=UNSUBSCRIBE_KEYWORDS)
@router.intent("unsubscribe")
def unsubscribe(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    had_any = subscriptions.unsubscribe_all(ctx.session, ctx.person)
    lead = (
        "已为您退订全部消息，今后不会再收到岗位、活动和政策推送。"
        if had_any
        else ("您目前没有订阅任何消息，不会收到推送。")
    )
    return Reply(text=f"{lead}\n想再接收时，回复“订阅”。", intent="unsubscribe_all")


router.offers(57, "发送“订阅”：选择接收岗位、活动或政策消息；“退订”停止全部推送")
