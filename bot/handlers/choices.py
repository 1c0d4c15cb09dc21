"""Numbered choices in multi-step chat flows: reading the answer, keeping the step, leaving.

A flow owns every message until it ends, so a person who types another command
(`人工`, `我的预约`…) mid-flow would otherwise only hear "请回复数字"; those leave the
flow and are answered. Conversation state lives in Redis, which may be down: a step
that could not be saved cannot be answered by number, so the flow says so instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from bot.context import Context
from bot.reply import Reply
from bot.router import normalise, router
from core.booking.models import WEEKDAYS
from core.cache import cache
from core.timeutil import LOCAL_TZ
from core.wechat import links

_NUMBER = re.compile(r"^第?([0-9]{1,3})(个|号)?$")
# How long a shared location counts as "where the person is now".
LOCATION_FRESH = timedelta(hours=24)


def number(text: str) -> int | None:
    """The number a person answered ("2", "２", "第2个"), or None."""
    cleaned = normalise(unicodedata.normalize("NFKC", text or ""))
    match = _NUMBER.match(cleaned)
    return int(match.group(1)) if match else None


def numbered(labels: list[str]) -> str:
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, start=1))


def save_step(ctx: Context, flow: str, step: str, **data: Any) -> bool:
    """Store the step; False when Redis could not keep it (the next answer would be lost)."""
    conversation = ctx.conversation
    if conversation.flow == flow:
        conversation.advance(step, **data)
    else:
        conversation.start(flow, step, **data)
    return cache.available


def state_lost(ctx: Context, lead: str = "") -> Reply:
    """The flow cannot go on in chat: say so and offer the booking page instead."""
    ctx.conversation.clear()
    link = links.page_url(ctx.settings, "/m/book", ctx.message.from_user)
    return Reply(
        text=(
            f"{lead}抱歉，系统暂时记不住聊天进度，没法在这里一步步办理了。"
            f"请点链接在页面上预约或查看服务站：\n{link}\n也可以稍后再发“预约”试试。"
        ),
        intent="flow_state_lost",
    )


def command_elsewhere(ctx: Context) -> Reply | None:
    """Another command typed mid-flow: leave the flow and answer that command."""
    text = normalise(ctx.text)
    if not text or number(ctx.text) is not None:
        return None
    for rule in router.keyword_rules:
        if text in rule.keywords:
            ctx.conversation.clear()
            return _named(rule.func(ctx), rule.name)
    for rule in router.pattern_rules:
        if rule.pattern and rule.pattern.search(ctx.text):
            ctx.conversation.clear()
            return _named(rule.func(ctx), rule.name)
    return None


def _named(reply: Reply, name: str) -> Reply:
    reply.handler = reply.handler or name
    return reply


def location_is_fresh(located_at: datetime | None, now: datetime) -> bool:
    return located_at is not None and now - located_at < LOCATION_FRESH


def day_label(day: date, today: date | None = None) -> str:
    """ "12月3日 周四", with 今天/明天 when it helps."""
    label = f"{day.month}月{day.day}日 {WEEKDAYS[day.weekday()]}"
    if today is not None and day == today:
        label += "（今天）"
    elif today is not None and day == today + timedelta(days=1):
        label += "（明天）"
    return label


def when_label(starts_at: datetime, ends_at: datetime | None = None) -> str:
    """ "12月3日 周四 09:00-09:30" in Shanghai time."""
    start = starts_at.astimezone(LOCAL_TZ)
    text = f"{day_label(start.date())} {start:%H:%M}"
    if ends_at is not None:
        text += f"-{ends_at.astimezone(LOCAL_TZ):%H:%M}"
    return text
