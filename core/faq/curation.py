"""What curators do in the console: edit entries, and turn missed questions into content.

Edits are checked with the same rules as the content files (`vetbot faq check`), so
the console can never store an answer the checker would refuse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.faq.catalog import catalog_cache
from core.faq.check import check_catalog, check_entry
from core.faq.content import entry_to_row, row_to_entry
from core.faq.models import MISSED, SUGGESTED, FaqEntry, FaqQuery
from core.faq.schema import Entry, fold, load_documents
from core.timeutil import utcnow

# Two questions whose character bigrams overlap this much are the same question.
GROUP_JACCARD = 0.5
EXAMPLES_PER_GROUP = 5  # different wordings a curator sees for one group of questions


class CurationError(ValueError):
    """The edit breaks a content rule; `problems` lists each, in the checker's words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def list_entries(session: Session, category: str | None = None, search: str = "") -> list[FaqEntry]:
    query = select(FaqEntry).where(FaqEntry.is_active).order_by(FaqEntry.category, FaqEntry.id)
    if category:
        query = query.where(FaqEntry.category == category)
    rows = list(session.scalars(query))
    if search:
        needle = fold(search)
        rows = [
            r for r in rows if needle in fold(r.question + " ".join(r.similar or []) + r.answer)
        ]
    return rows


def categories(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(FaqEntry.category)
            .where(FaqEntry.is_active)
            .distinct()
            .order_by(FaqEntry.category)
        )
    )


def _validate(session: Session, entry: Entry, replacing: str | None) -> None:
    docs = load_documents()
    problems = check_entry(entry, docs)
    others = [row_to_entry(r) for r in session.scalars(select(FaqEntry).where(FaqEntry.is_active))]
    others = [e for e in others if e.id != (replacing or entry.id)]
    if replacing is None and any(e.id == entry.id for e in others):
        problems.append(f"编号 {entry.id} 已存在")
    problems.extend(
        p for p in check_catalog([*others, entry], docs) if entry.id in p and p not in problems
    )
    if problems:
        raise CurationError(problems)


def save_entry(session: Session, entry: Entry, actor: str, *, is_new: bool) -> FaqEntry:
    """Create or update an entry after checking it like `vetbot faq check` would."""
    _validate(session, entry, None if is_new else entry.id)
    row = None if is_new else session.get(FaqEntry, entry.id)
    if not is_new and row is None:
        raise CurationError([f"没有编号为 {entry.id} 的条目"])
    if row is not None:
        entry.file = row.file
    elif not entry.file:
        entry.file = _file_for_category(session, entry.category)
    row = entry_to_row(entry, row)
    row.updated_at = utcnow()
    row.updated_by = actor
    session.add(row)
    session.flush()
    catalog_cache.invalidate()
    return row


def _file_for_category(session: Session, category: str) -> str:
    """A new entry joins a topic file of its category (each file holds one category)."""
    existing = session.scalar(
        select(FaqEntry.file).where(FaqEntry.category == category, FaqEntry.file != "").limit(1)
    )
    if existing:
        return existing
    digest = hashlib.sha1(category.encode("utf-8")).hexdigest()[:8]
    return f"curated-{digest}.yaml"


def unanswered_count(session: Session, days: int = 30) -> int:
    """Open questions for the nav badge: one cheap COUNT, not the grouping."""
    return (
        session.scalar(
            select(func.count())
            .select_from(FaqQuery)
            .where(
                FaqQuery.created_at >= utcnow() - timedelta(days=days),
                FaqQuery.resolved.is_(False),
                or_(FaqQuery.tier.in_((MISSED, SUGGESTED)), FaqQuery.unhelpful.is_(True)),
            )
        )
        or 0
    )


def add_similar(session: Session, faq_id: str, question: str, actor: str) -> FaqEntry:
    """Teach an entry one more way of asking (the first click of "turn a miss into content")."""
    row = session.get(FaqEntry, faq_id)
    if row is None:
        raise CurationError([f"没有编号为 {faq_id} 的条目"])
    entry = row_to_entry(row)
    question = question.strip()
    if fold(question) in {fold(q) for q in [entry.question, *entry.similar]}:
        raise CurationError(["这个问法已经在该条目中"])
    entry.similar.append(question)
    return save_entry(session, entry, actor, is_new=False)


@dataclass
class QuestionGroup:
    text: str
    count: int
    first: datetime
    last: datetime
    query_ids: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    candidates: list[dict[str, object]] = field(default_factory=list)
    unhelpful: int = 0


def _grams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def unanswered_groups(session: Session, days: int = 30, limit: int = 200) -> list[QuestionGroup]:
    """Open misses, suggestions and unhelpful answers, grouped by similar wording, most asked first."""
    since = utcnow() - timedelta(days=days)
    rows = session.scalars(
        select(FaqQuery)
        .where(
            FaqQuery.created_at >= since,
            FaqQuery.resolved.is_(False),
            or_(FaqQuery.tier.in_((MISSED, SUGGESTED)), FaqQuery.unhelpful.is_(True)),
        )
        .order_by(FaqQuery.created_at.desc())
        .limit(2000)
    ).all()
    groups: list[tuple[set[str], QuestionGroup]] = []
    for row in rows:
        grams = _grams(row.normalized)
        target = next(
            (g for gs, g in groups if len(grams & gs) / len(grams | gs) >= GROUP_JACCARD), None
        )
        if target is None:
            target = QuestionGroup(
                row.text, 0, row.created_at, row.created_at, candidates=list(row.candidates or [])
            )
            groups.append((grams, target))
        target.count += 1
        target.first = min(target.first, row.created_at)
        target.last = max(target.last, row.created_at)
        target.query_ids.append(row.id)
        target.unhelpful += bool(row.unhelpful)
        if len(target.examples) < EXAMPLES_PER_GROUP and row.text not in target.examples:
            target.examples.append(row.text)
    ordered = sorted((g for _, g in groups), key=lambda g: (g.count, g.last), reverse=True)
    return ordered[:limit]


def resolve_queries(session: Session, query_ids: list[int]) -> int:
    """Mark questions as dealt with, so they leave the unanswered list."""
    rows = session.scalars(select(FaqQuery).where(FaqQuery.id.in_(query_ids))).all()
    for row in rows:
        row.resolved = True
    return len(rows)
