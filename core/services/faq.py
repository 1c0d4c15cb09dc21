"""Answering policy questions from the FAQ, and logging what happened for curators.

Shared by the chat, the /m/faq pages and the CLI. Every question is logged with its
tier, score and candidates; choosing a suggestion and saying an answer did not help
are recorded on that same log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.faq.catalog import Catalog, EntryView, catalog_cache
from core.faq.matcher import Candidate, Match, match
from core.faq.text import fold
from core.models import FaqQuery, Person
from core.models.faq import ANSWERED, MISSED, SUGGESTED
from core.textfit import fit_text
from core.timeutil import utcnow

# How long a list of suggestions, or an answer, stays the thing a number or "没用" refers to.
FOLLOW_UP_WINDOW = timedelta(minutes=30)
SUGGEST_FOOTER = "回复数字查看答案；都不是的话，请换个说法再问，或回复“人工”。"
FALLBACK = "抱歉，这个问题我暂时回答不了。"


@dataclass(frozen=True)
class FaqAnswer:
    text: str
    match: Match
    query_id: int | None


def entry_url(settings: Settings, faq_id: str) -> str:
    return f"{settings.public_base_url}/m/faq/{faq_id}"


def render_answer(catalog: Catalog, settings: Settings, entry: EntryView) -> str:
    """Answer, citation line, link to the full page — always within WeChat's limit."""
    tail = f"\n{catalog.citation(entry)}\n详情：{entry_url(settings, entry.id)}"
    budget = 2000 - len(tail.encode("utf-8"))
    return fit_text(entry.answer, budget) + tail


def render_suggestions(candidates: list[Candidate]) -> str:
    lines = [f"{i}. {c.question}" for i, c in enumerate(candidates, start=1)]
    return "您是不是想问：\n" + "\n".join(lines) + "\n" + SUGGEST_FOOTER


def ask(
    session: Session,
    settings: Settings,
    text: str,
    person: Person | None = None,
    channel: str = "chat",
) -> FaqAnswer:
    catalog = catalog_cache.get(session)
    result = match(catalog, text)
    if result.tier == ANSWERED and result.faq_id:
        reply = render_answer(catalog, settings, catalog.entries[result.faq_id])
    elif result.tier == SUGGESTED:
        reply = render_suggestions(result.candidates)
    else:
        reply = FALLBACK
    query = FaqQuery(
        person_id=person.id if person else None,
        channel=channel,
        text=text[:2000],
        normalized=fold(text)[:400],
        tier=result.tier,
        faq_id=result.faq_id,
        score=round(result.score, 4),
        candidates=[
            {"faq_id": c.faq_id, "question": c.question, "score": c.score}
            for c in result.candidates
        ],
    )
    session.add(query)
    session.flush()
    return FaqAnswer(reply, result, query.id)


def _latest_query(session: Session, person: Person) -> FaqQuery | None:
    return session.scalar(
        select(FaqQuery)
        .where(FaqQuery.person_id == person.id, FaqQuery.created_at >= utcnow() - FOLLOW_UP_WINDOW)
        .order_by(FaqQuery.created_at.desc(), FaqQuery.id.desc())
        .limit(1)
    )


def pending_suggestions(session: Session, person: Person) -> FaqQuery | None:
    """The person's last question if it ended in a list they have not chosen from yet."""
    latest = _latest_query(session, person)
    if latest is not None and latest.tier == SUGGESTED and latest.candidates:
        return latest
    return None


def choose(session: Session, settings: Settings, query: FaqQuery, number: int) -> str | None:
    """The answer for suggestion `number` (1-based), recorded on the query; None if out of range."""
    if not 1 <= number <= len(query.candidates):
        return None
    faq_id = str(query.candidates[number - 1]["faq_id"])
    catalog = catalog_cache.get(session)
    entry = catalog.entries.get(faq_id)
    if entry is None:
        return None
    query.chosen_faq_id = faq_id
    return render_answer(catalog, settings, entry)


def mark_unhelpful(session: Session, person: Person) -> bool:
    """Flag the person's last answered question for curators; False if there is none."""
    latest = _latest_query(session, person)
    if latest is None or not (latest.faq_id or latest.chosen_faq_id):
        return False
    latest.unhelpful = True
    return True


__all__ = ["ANSWERED", "MISSED", "SUGGESTED", "FaqAnswer", "ask", "choose", "mark_unhelpful"]
