"""Numbered choices in multi-step chat flows: reading the answer, keeping the step, leaving.

A flow owns every message until it ends, so a person who types another command
(`人工`, `我的预约`…) mid-flow would otherwise only hear "请回复数字"; those leave the
flow and are answered. Conversation state lives in Redis, which may be down: a step
that could not be saved cannot be answered by number, so the flow says so instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.reply import Reply
from bot.router import normalise, router
from core.cache import cache
from core.nlu.numbers import small_number
from core.nlu.understand import QUESTION_WORDS
from core.wechat import links

_NUMBER = re.compile(r"^第?([0-9]{1,3})(个|号)?$")
_SPOKEN = re.compile(r"^第?([一二两三四五六七八九十]{1,3})(个|号|项|家)?(吧|就行|就好)?$")
ANY_WORDS = ("随便", "都行", "都可以", "哪个都", "无所谓", "任意", "你帮我选", "你定")
# How long a shared location counts as "where the person is now".
LOCATION_FRESH = timedelta(hours=24)


def number(text: str) -> int | None:
    """The number a person answered ("2", "２", "第2个", "第二个", "二"), or None."""
    cleaned = normalise(unicodedata.normalize("NFKC", text or ""))
    match = _NUMBER.match(cleaned)
    if match:
        return int(match.group(1))
    spoken = _SPOKEN.match(cleaned)
    return small_number(spoken.group(1)) if spoken else None


def is_question(text: str) -> bool:
    """ "要带什么材料？": a question, not an answer to the step (see `aside`)."""
    return any(word in (text or "") for word in QUESTION_WORDS)


def any_of(text: str) -> bool:
    """ "随便哪个都行": the person leaves the choice to us (the first option)."""
    cleaned = normalise(text or "")
    return any(word in cleaned for word in ANY_WORDS)


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
            f"请点链接在页面上预约或查看服务站：\n{links.anchor(link, '在页面上预约')}\n也可以稍后再发“预约”试试。"
        ),
        intent="flow_state_lost",
    )


def aside(ctx: Context, step_again: Callable[[str], Reply]) -> Reply | None:
    """A message in a flow that is no answer to the step: a question ("要带什么材料") is
    answered and the step asked again, so the flow goes on; a request for another feature
    ("我的预约呢") leaves the flow and is answered. None: read it as an (unclear) answer."""
    if not ctx.settings.nlu_enabled or not ctx.text:
        return None
    u = ctx.understanding
    if u.intent == "policy":
        answered = router.intent_rules["policy"].func(ctx)
        if answered.intent == "faq_fallback":
            return None
        again = step_again("")
        again.text = f"{answered.text}\n\n——接着刚才的步骤——\n{again.text}"
        again.faq_id = answered.faq_id
        return again
    rule = router.intent_rules.get(u.intent)
    if rule is None or u.intent in STAY or u.confidence < LEAVE_MIN:
        return None
    ctx.conversation.clear()
    ctx.by_intent = True
    reply = rule.func(ctx)
    reply.handler = reply.handler or rule.name
    return reply


# Intents that never take a person out of a flow (small talk is answered by the step).
STAY = frozenset({"none", "chat.greeting", "chat.thanks", "chat.praise", "chat.complaint"})
# How sure the understanding step must be that a mid-flow message is another request.
LEAVE_MIN = 0.3


def location_is_fresh(located_at: datetime | None, now: datetime) -> bool:
    return located_at is not None and now - located_at < LOCATION_FRESH
