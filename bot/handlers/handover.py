"""`人工`: hand the conversation to a member of staff."""

from __future__ import annotations

import logging

from bot.context import Context
from bot.reply import Reply
from bot.router import normalise, router
from core.chatlog import messages
from core.db import TRANSIENT_ERRORS
from core.people import handover, handover_queue

log = logging.getLogger(__name__)

HANDOVER_KEYWORDS = ("人工", "转人工", "人工服务", "人工客服", "找人工", "真人", "客服")
NOTE_CONTEXT_MESSAGES = 5
WAITING = "handover"  # the conversation memo: the open request the person waits on


@router.text(keywords=HANDOVER_KEYWORDS, pattern=r"^\s*(转)?人工(服务|客服)?[\s,，:：]+\S")
@router.menu("HANDOVER")
@router.intent("handover")
def request_person(ctx: Context) -> Reply:
    """Queue the person for staff, with what they said so staff need not ask again.

    If the database cannot take the request now (locked, restarting), it is kept in the
    handover queue and saved a little later (core.people.handover_queue), not lost.
    """
    note = _question_after_keyword(ctx.text)
    try:
        note = note or _recent_questions(ctx)
        request, created = handover.request_person(ctx.session, ctx.person, note)
    except TRANSIENT_ERRORS:
        if not ctx.logs_later:  # the whole message shares the transaction: it fails as one
            raise
        ctx.session.rollback()
        return _saved_later(ctx, note)
    ctx.conversation.remember(WAITING, request.id)
    promise = ctx.settings.handover_promise
    if not created:
        text = f"您的人工服务请求已在排队，{promise}您补充的内容我们也已转给工作人员。"
    else:
        text = (
            f"已为您转接人工服务（编号 {request.id}）。{promise}\n"
            "回复会通过本公众号发给您，请保持关注。您可以先把问题直接发过来，工作人员会一并看到。"
        )
    return Reply(text=text, intent="handover")


def _saved_later(ctx: Context, note: str) -> Reply:
    if not handover_queue.enqueue(ctx.message.from_user, note):
        raise RuntimeError("handover could be neither saved nor queued")
    log.warning("database busy: handover for %s queued", ctx.message.from_user)
    return Reply(
        text=(
            "已收到您的人工服务请求。系统正忙，您的请求会在几分钟内登记，"
            f"{ctx.settings.handover_promise}"
        ),
        intent="handover",
    )


def while_waiting(ctx: Context) -> Reply | None:
    """Until staff answer a `人工` request, what the person adds (a question the bot cannot
    answer, a complaint, more detail) goes to that request and is acknowledged as such,
    instead of the bot's "暂时回答不了". None when nobody is waiting (or staff answered)."""
    request_id = ctx.conversation.recall(WAITING)
    if not request_id or not ctx.text:
        return None
    request = handover.still_open(ctx.session, int(request_id), ctx.person)
    if request is None:
        ctx.conversation.remember(WAITING, None)
        return None
    handover.add_to_request(request, ctx.text)
    return Reply(
        text=(
            f"已收到，已补充到您的人工服务请求（编号 {request.id}）。"
            f"{ctx.settings.handover_promise}"
        ),
        intent="handover_more",
    )


def _question_after_keyword(text: str) -> str:
    stripped = text.strip()
    for keyword in sorted(HANDOVER_KEYWORDS, key=len, reverse=True):
        if stripped.startswith(keyword):
            rest = stripped[len(keyword) :].lstrip(" ,，:：")
            return rest if normalise(rest) else ""
    return ""


def _recent_questions(ctx: Context) -> str:
    """The person's last few texts before asking for a person, as context for staff."""
    recent = messages.recent_messages(ctx.session, ctx.person.id, limit=NOTE_CONTEXT_MESSAGES * 2)
    texts = [
        m.content
        for m in recent
        if m.direction == "in"
        and m.msg_type in ("text", "voice")
        and m.id != getattr(ctx.inbound_log, "id", None)
        and normalise(m.content) not in {normalise(k) for k in HANDOVER_KEYWORDS}
    ]
    return "\n".join(texts[-NOTE_CONTEXT_MESSAGES:])


router.offers(80, "发送“人工”：请工作人员通过本公众号回复您")
