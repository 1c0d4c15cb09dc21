"""Answering policy questions from the FAQ, and logging what happened for curators.

Shared by the chat, the /m/faq pages and the CLI. Every question is logged with its
tier, score and candidates; choosing a suggestion and saying an answer did not help
are recorded on that same log row. Answering writes nothing: the chat hands the log
row to the batched message-log writer (so a policy answer costs no database write in
the request), the pages log it in their own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.config import Settings
from core.faq.catalog import Catalog, EntryView, SessionSource, catalog_cache
from core.faq.matcher import Candidate, Match, match
from core.faq.models import ANSWERED, MISSED, SUGGESTED, FaqQuery
from core.faq.text import fold
from core.people.models import Person
from core.textfit import fit_text
from core.timeutil import utcnow
from core.wechat.links import anchor

# How long a list of suggestions, or an answer, stays the thing a number or "没用" refers to.
FOLLOW_UP_WINDOW = timedelta(minutes=30)
SUGGEST_FOOTER = "回复数字查看答案；都不是的话，请换个说法再问，或回复“人工”。"
FALLBACK = "抱歉，这个问题我暂时回答不了。"
RELATED_HEAD = "您可能还想问："
RELATED_FOOTER = "回复数字查看。"

# Answering first. A question the understanding step reads as a policy question gets the
# best entry's answer in the first reply when that entry is plausible (its evidence at
# least PLAUSIBLE_MIN) and not tied with the next (its score at least TIE_MARGIN ahead);
# up to NEIGHBOURS other plausible entries are offered below it. Genuine ties get the
# numbered choices, off-topic questions the fallback. Chosen by cross-validation over the
# FAQ's everyday-voice similar questions (each asked of an index without its fold: 0.30 /
# 0.08 answers 69 % of them right and 3.7 % wrong, where 0.04 gave 71 % and 5.3 %), never
# on a blind set's held-out part (docs/understanding.md).
PLAUSIBLE_MIN = 0.30
TIE_MARGIN = 0.08
NEIGHBOURS = 2

ANSWER = "answer"
CHOICES = "choices"


@dataclass(frozen=True)
class FirstReply:
    """What the first reply to a question is: an entry's answer (with neighbours to pick
    from below it), the numbered choices, or the fallback."""

    kind: str  # ANSWER, CHOICES or MISSED
    faq_id: str | None
    offered: list[Candidate]  # the numbered neighbours or choices

    @property
    def tier(self) -> str:
        return {ANSWER: ANSWERED, CHOICES: SUGGESTED}.get(self.kind, MISSED)


def first_reply(result: Match, *, policy_question: bool, offer_choices: bool = True) -> FirstReply:
    """Answer first where the question is ours and the best entry plausible and untied.

    `offer_choices` False (the understanding step read something that is not ours): only a
    clear answer, never a list of choices."""
    candidates = result.candidates
    if result.tier == ANSWERED and result.faq_id:
        return FirstReply(ANSWER, result.faq_id, candidates[1 : 1 + NEIGHBOURS])
    if result.tier != SUGGESTED or not candidates or not offer_choices:
        return FirstReply(MISSED, None, [])
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if policy_question and best.evidence >= PLAUSIBLE_MIN and best.score - runner_up >= TIE_MARGIN:
        return FirstReply(ANSWER, best.faq_id, candidates[1 : 1 + NEIGHBOURS])
    return FirstReply(CHOICES, None, candidates)


@dataclass(frozen=True)
class FaqAnswer:
    text: str
    match: Match
    first: FirstReply


@dataclass(frozen=True)
class Asked:
    """A question put to the FAQ in the chat, as much as a follow-up needs of it.

    A number ("1") picks from its `candidates`; "没用" marks it unhelpful. `key` is the
    dedup key of the message that asked it, which is how its log row is found: chat
    questions are logged in batches, so the row's id is not known when the reply leaves.
    """

    key: str
    tier: str
    faq_id: str | None
    candidates: list[str]
    chosen: str | None = None

    @property
    def answered(self) -> str | None:
        return self.chosen or self.faq_id

    def to_memo(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "tier": self.tier,
            "faq_id": self.faq_id,
            "candidates": self.candidates,
            "chosen": self.chosen,
        }

    @classmethod
    def from_memo(cls, memo: Any) -> Asked | None:
        if not isinstance(memo, dict) or not memo.get("key"):
            return None
        return cls(
            str(memo["key"]),
            str(memo.get("tier") or ""),
            memo.get("faq_id"),
            [str(c) for c in memo.get("candidates") or []],
            memo.get("chosen"),
        )


def entry_url(settings: Settings, faq_id: str) -> str:
    return f"{settings.public_base_url}/m/faq/{faq_id}"


def render_answer(catalog: Catalog, settings: Settings, entry: EntryView, after: str = "") -> str:
    """Answer, citation line, link to the full page, then `after` (the neighbours) — always
    within WeChat's limit: the answer is what gets shortened."""
    link = anchor(entry_url(settings, entry.id), "查看详细说明")
    tail = f"\n{catalog.citation(entry)}\n{link}{after}"
    budget = 2000 - len(tail.encode("utf-8"))
    return fit_text(entry.answer, budget) + tail


def _numbered(candidates: list[Candidate]) -> str:
    return "\n".join(f"{i}. {c.question}" for i, c in enumerate(candidates, start=1))


def render_suggestions(candidates: list[Candidate]) -> str:
    return "您是不是想问：\n" + _numbered(candidates) + "\n" + SUGGEST_FOOTER


def render_with_neighbours(
    catalog: Catalog, settings: Settings, entry: EntryView, neighbours: list[Candidate]
) -> str:
    """The answer, then the neighbours to pick from."""
    if not neighbours:
        return render_answer(catalog, settings, entry)
    related = f"\n{RELATED_HEAD}\n{_numbered(neighbours)}\n{RELATED_FOOTER}"
    return render_answer(catalog, settings, entry, after=related)


def ask(
    session: SessionSource,
    settings: Settings,
    text: str,
    *,
    policy_question: bool = False,
    offer_choices: bool = True,
) -> FaqAnswer:
    """Match and render the first reply; nothing is written (see `log_fields`, `log_query`).

    `policy_question`: the understanding step read the message as a policy question, so
    a plausible best entry is answered rather than offered among choices;
    `offer_choices` False: it read something not ours, so a clear answer or nothing."""
    catalog = catalog_cache.get(session)
    result = match(catalog, text)
    first = first_reply(result, policy_question=policy_question, offer_choices=offer_choices)
    entry = catalog.entries.get(first.faq_id or "")
    if first.kind == ANSWER and entry is not None:
        reply = render_with_neighbours(catalog, settings, entry, first.offered)
    elif first.kind == CHOICES:
        reply = render_suggestions(first.offered)
    else:
        first = FirstReply(MISSED, None, [])
        reply = FALLBACK
    return FaqAnswer(reply, result, first)


NOTHING_MORE = (
    "关于“{asked}”，我能找到的就是刚才那条回答的内容。更具体的情况，请到就近的社区就业服务站"
    "咨询（发送位置可查找），或回复“人工”请工作人员解答。"
)


def nothing_more(answer: FaqAnswer, asked: str) -> FaqAnswer:
    """A follow-up ("领多久") that finds the entry just answered: say that it is all there
    is, instead of printing the same answer again. Logged as that entry's answer."""
    text = NOTHING_MORE.format(asked=asked.strip()[:20])
    return FaqAnswer(text, answer.match, answer.first)


def log_fields(answer: FaqAnswer, text: str, channel: str) -> dict[str, Any]:
    """What the curators' log keeps of a question: FaqQuery's columns, as JSON values, so the
    chat can hand them to the batched message-log writer (core.chatlog.activity_sql)."""
    result = answer.match
    return {
        "channel": channel,
        "text": text[:2000],
        "normalized": fold(text)[:400],
        "tier": answer.first.tier,
        "faq_id": answer.first.faq_id,
        "score": round(result.score, 4),
        "candidates": [
            {"faq_id": c.faq_id, "question": c.question, "score": c.score}
            for c in result.candidates
        ],
    }


def log_query(
    session: Session, fields: dict[str, Any], person: Person | None, dedup_key: str | None = None
) -> FaqQuery:
    """Log a question now, in the caller's transaction (pages; the chat with Redis down)."""
    query = FaqQuery(person_id=person.id if person else None, dedup_key=dedup_key, **fields)
    session.add(query)
    return query


def asked(answer: FaqAnswer, key: str) -> Asked:
    first = answer.first
    return Asked(key, first.tier, first.faq_id, [c.faq_id for c in first.offered])


def _latest_query(session: Session, person: Person) -> FaqQuery | None:
    return session.scalar(
        select(FaqQuery)
        .where(FaqQuery.person_id == person.id, FaqQuery.created_at >= utcnow() - FOLLOW_UP_WINDOW)
        .order_by(FaqQuery.created_at.desc(), FaqQuery.id.desc())
        .limit(1)
    )


def last_asked(session: Session, person: Person) -> Asked | None:
    """The person's last chat question from the log (when Redis, which remembers it, is down)."""
    latest = _latest_query(session, person)
    if latest is None or latest.dedup_key is None:
        return None
    return Asked(
        latest.dedup_key,
        latest.tier,
        latest.faq_id,
        [str(c["faq_id"]) for c in latest.candidates or []],
        latest.chosen_faq_id,
    )


def choose(
    session: Session, settings: Settings, question: Asked, number: int
) -> tuple[str, Asked] | None:
    """The answer for suggestion `number` (1-based) and the question with it chosen; None if
    `number` is out of range or the entry is gone."""
    if not 1 <= number <= len(question.candidates):
        return None
    faq_id = question.candidates[number - 1]
    catalog = catalog_cache.get(session)
    entry = catalog.entries.get(faq_id)
    if entry is None:
        return None
    return render_answer(catalog, settings, entry), replace(question, chosen=faq_id)


def follow_up(
    session: Session, key: str, *, chosen: str | None = None, unhelpful: bool = False
) -> None:
    """Record a choice or a "没用" on the question's log row now (with Redis down)."""
    values: dict[str, Any] = {}
    if chosen:
        values["chosen_faq_id"] = chosen
    if unhelpful:
        values["unhelpful"] = True
    if values:
        session.execute(update(FaqQuery).where(FaqQuery.dedup_key == key).values(**values))


__all__ = ["ANSWERED", "MISSED", "SUGGESTED", "Asked", "FaqAnswer", "ask", "choose", "follow_up"]
