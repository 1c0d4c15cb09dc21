"""Policy questions: answer from the FAQ, offer choices, or say how to reach a person."""

from __future__ import annotations

import unicodedata

from bot.context import Context
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import router
from core.services import faq

UNHELPFUL = ("没用", "没有用", "没帮助", "没有帮助", "不对", "答非所问", "不是这个", "没解决")


def _reply(answer: faq.FaqAnswer) -> Reply:
    m = answer.match
    candidates = [
        {"faq_id": c.faq_id, "question": c.question, "score": c.score} for c in m.candidates
    ]
    text = answer.text
    if m.tier == faq.MISSED:
        text = faq.FALLBACK + "我可以帮您：\n" + capabilities_text()
    return Reply(
        text=text,
        intent=f"faq_{m.tier}",
        faq_id=m.faq_id,
        score=round(m.score, 4),
        candidates=candidates,
    )


@router.fallback
def policy_question(ctx: Context) -> Reply:
    """Any text nothing more specific claimed is treated as a policy question."""
    return _reply(faq.ask(ctx.session, ctx.settings, ctx.text, ctx.person, channel="chat"))


@router.text(pattern=r"^\s*[1-9１-９]\s*$")
def pick_suggestion(ctx: Context) -> Reply:
    """A number right after "您是不是想问" picks that question's answer."""
    pending = faq.pending_suggestions(ctx.session, ctx.person)
    number = int(unicodedata.normalize("NFKC", ctx.text.strip()))
    if pending is not None:
        text = faq.choose(ctx.session, ctx.settings, pending, number)
        if text is not None:
            return Reply(text=text, intent="faq_choice", faq_id=pending.chosen_faq_id)
        return Reply(
            text=f"请回复 1 到 {len(pending.candidates)} 之间的数字，或换个说法提问。",
            intent="faq_choice",
        )
    return policy_question(ctx)


@router.text(keywords=UNHELPFUL)
def not_helpful(ctx: Context) -> Reply:
    """Record that the last answer missed, for curators, and offer a person."""
    marked = faq.mark_unhelpful(ctx.session, ctx.person)
    lead = "抱歉没能帮到您，我们会改进这条回答。" if marked else "抱歉没能帮到您。"
    return Reply(
        text=lead + "您可以换个说法再问，或回复“人工”请工作人员为您解答。", intent="faq_unhelpful"
    )


router.offers(10, "直接提问退役军人就业创业政策，如“退役后失业能领失业金吗”")
