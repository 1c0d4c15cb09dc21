"""Policy questions: answer from the FAQ, offer choices, or say how to reach a person.

A question's log row and the follow-ups to it ("1" picks a choice, "没用" flags the answer)
travel with the message log when Redis holds the message's claim (bot.context), and the
question itself is remembered in the conversation state; with Redis down both are written
and read in the database, as before.
"""

from __future__ import annotations

from bot.context import Context
from bot.handlers import seen
from bot.handlers.handover import while_waiting
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import router
from core.faq import answers as faq

UNHELPFUL = ("没用", "没有用", "没帮助", "没有帮助", "不对", "答非所问", "不是这个", "没解决")
MEMO = "faq"


def _reply(answer: faq.FaqAnswer) -> Reply:
    m, first = answer.match, answer.first
    candidates = [
        {"faq_id": c.faq_id, "question": c.question, "score": c.score} for c in m.candidates
    ]
    text = answer.text
    if first.tier == faq.MISSED:
        text = faq.FALLBACK + "我可以帮您：\n" + capabilities_text()
    return Reply(
        text=text,
        intent=f"faq_{first.tier}",
        faq_id=first.faq_id,
        score=round(m.score, 4),
        candidates=candidates,
    )


def _asked_as_policy(ctx: Context) -> bool:
    """Whether the understanding step read a policy question (answer first, then)."""
    if not ctx.settings.nlu_enabled or not ctx.text:
        return False
    return "policy" in ctx.understanding.intents


def _remember(ctx: Context, question: faq.Asked) -> None:
    if ctx.logs_later:
        ctx.conversation.remember(MEMO, question.to_memo())
    if question.candidates:
        seen.mark(ctx, "faq")


def _last_asked(ctx: Context) -> faq.Asked | None:
    if ctx.logs_later:
        return faq.Asked.from_memo(ctx.conversation.recall(MEMO))
    return faq.last_asked(ctx.session, ctx.person)


def _follow_up(
    ctx: Context, key: str, *, chosen: str | None = None, unhelpful: bool = False
) -> None:
    if ctx.logs_later:
        ctx.with_log["faq_follow_up"] = {"key": key, "chosen": chosen, "unhelpful": unhelpful}
    else:
        faq.follow_up(ctx.session, key, chosen=chosen, unhelpful=unhelpful)


@router.fallback
@router.intent("policy")
def policy_question(ctx: Context) -> Reply:
    """Any text nothing more specific claimed is treated as a policy question."""
    return while_waiting(ctx) or _answered(ctx, policy_question=_asked_as_policy(ctx))


@router.intent("none")
def not_ours(ctx: Context) -> Reply:
    """Not something this service does: the fallback (what it can do, how to reach a
    person), unless the FAQ has a clear answer after all. Logged with the questions the
    FAQ could not answer, for the curators."""
    return while_waiting(ctx) or _answered(ctx, policy_question=False, offer_choices=False)


def _answered(ctx: Context, *, policy_question: bool, offer_choices: bool = True) -> Reply:
    answer = faq.ask(
        ctx.open_session,
        ctx.settings,
        ctx.policy_text or ctx.text,
        policy_question=policy_question,
        offer_choices=offer_choices,
    )
    if ctx.follows_faq_id and answer.first.faq_id == ctx.follows_faq_id:
        # "领多久" after the answer that is all the FAQ has on it: say so, not repeat it.
        answer = faq.nothing_more(answer, ctx.text)
    fields = faq.log_fields(answer, ctx.text, "chat")
    if ctx.logs_later:
        ctx.with_log["faq_query"] = fields
    else:
        faq.log_query(ctx.session, fields, ctx.person, ctx.message.dedup_key)
    _remember(ctx, faq.asked(answer, ctx.message.dedup_key))
    return _reply(answer)


@seen.picker("faq")
def pick_suggestion(ctx: Context, number: int) -> Reply | None:
    """A number right after "您是不是想问" (or "您可能还想问") picks that question's answer."""
    pending = _last_asked(ctx)
    if pending is None or not pending.candidates:
        return None
    chosen = faq.choose(ctx.session, ctx.settings, pending, number)
    if chosen is None:
        return Reply(
            text=f"请回复 1 到 {len(pending.candidates)} 之间的数字，或换个说法提问。",
            intent="faq_choice",
        )
    text, question = chosen
    _follow_up(ctx, question.key, chosen=question.chosen)
    _remember(ctx, question)
    return Reply(text=text, intent="faq_choice", faq_id=question.chosen)


@router.text(keywords=UNHELPFUL)
def not_helpful(ctx: Context) -> Reply:
    """Record that the last answer missed, for curators, and offer a person."""
    last = _last_asked(ctx)
    marked = last is not None and last.answered is not None
    if last is not None and marked:
        _follow_up(ctx, last.key, unhelpful=True)
    lead = "抱歉没能帮到您，我们会改进这条回答。" if marked else "抱歉没能帮到您。"
    return Reply(
        text=lead + "您可以换个说法再问，或回复“人工”请工作人员为您解答。", intent="faq_unhelpful"
    )


router.offers(10, "直接提问退役军人就业创业政策，如“退役后失业能领失业金吗”")
