"""What the /m/faq pages show, shaped for templates so the views stay a few lines each.

The phone pages are where a veteran lands from a chat answer's "详情" link, so they
must say plainly which document and clause an answer rests on, and whether it is
Jiading's own policy or only another city's practice. Questions typed here go through
the same `faq.ask` as the chat and are logged the same way (channel "page"), so
curators see what people could not find.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.config import Settings
from core.faq import answers as faq
from core.faq import curation as faq_curation
from core.faq.catalog import EntryView, catalog_cache
from core.faq.matcher import Candidate
from core.faq.models import ANSWERED, FaqEntry
from core.faq.schema import SCOPES

# Longer than any real question; the box's maxlength says the same to the browser.
MAX_QUESTION_CHARS = 200
EMPTY_QUESTION = "请先在上面的框里输入您想问的问题，再点“搜索”。"
LONG_QUESTION = f"问题太长了，请简短一些（{MAX_QUESTION_CHARS}字以内），说清楚想问的事就可以。"
UNKNOWN_CATEGORY = "没有找到这个分类，下面列出了全部问题。"

# Readers are in Jiading: their own district's policies first, other cities' last.
SCOPE_ORDER = ("jiading", "shanghai", "national", "beijing")
SECTION_TITLES = {
    "jiading": "嘉定区政策",
    "shanghai": "上海市政策",
    "national": "全国政策",
    "beijing": "北京市做法（仅供参考）",
}
RELATED_LIMIT = 8
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class SearchResult:
    """One search: either a `problem` with the question (nothing asked) or the bot's tier."""

    question: str
    problem: str = ""
    tier: str = ""
    entry: EntryView | None = None
    citation: str = ""
    candidates: tuple[Candidate, ...] = ()

    @property
    def answered(self) -> bool:
        return self.tier == ANSWERED and self.entry is not None


@dataclass
class CategoryGroup:
    name: str
    scope: str
    entries: list[FaqEntry] = field(default_factory=list)
    newest: str = ""  # date of the newest document its entries cite


@dataclass(frozen=True)
class Section:
    title: str
    categories: list[CategoryGroup]


@dataclass(frozen=True)
class SourceView:
    """One cited document and clause, as a reader checks it against the paper copy."""

    number: str
    title: str
    issuer: str
    date: str
    clause: str
    quote: str


@dataclass(frozen=True)
class EntryPage:
    entry: EntryView
    scope_label: str
    is_reference_only: bool
    citation: str
    sources: list[SourceView]
    related: list[EntryView]


def search(session: Session, settings: Settings, raw: str) -> SearchResult:
    """Ask the FAQ like the chat does; empty or over-long text is refused before logging."""
    question = raw.strip()
    if not question:
        return SearchResult("", problem=EMPTY_QUESTION)
    if len(question) > MAX_QUESTION_CHARS:
        return SearchResult(question[:MAX_QUESTION_CHARS], problem=LONG_QUESTION)
    answer = faq.ask(session, settings, question)
    faq.log_query(session, faq.log_fields(answer, question, "page"), person=None)
    result = answer.match
    catalog = catalog_cache.get(session)
    entry = catalog.entries.get(result.faq_id or "")
    if result.tier == ANSWERED and entry is not None:
        return SearchResult(question, tier=ANSWERED, entry=entry, citation=catalog.citation(entry))
    return SearchResult(question, tier=result.tier, candidates=tuple(result.candidates))


def _scope_rank(scope: str) -> int:
    return SCOPE_ORDER.index(scope) if scope in SCOPE_ORDER else len(SCOPE_ORDER)


def browse(session: Session, category: str = "") -> tuple[list[Section], bool]:
    """Categories with their questions, grouped by whose policy they are, newest policy first.

    Returns the sections and whether `category` was unknown (then everything is listed).
    """
    rows = faq_curation.list_entries(session, category or None)
    unknown = bool(category) and not rows
    if unknown:
        rows = faq_curation.list_entries(session)
    documents = catalog_cache.get(session).documents
    groups: dict[str, CategoryGroup] = {}
    for row in rows:
        group = groups.setdefault(row.category, CategoryGroup(row.category, row.scope))
        group.entries.append(row)
        if _scope_rank(row.scope) < _scope_rank(group.scope):
            group.scope = row.scope
        for ref in row.sources or []:
            doc = documents.get(str(ref.get("doc", "")))
            group.newest = max(group.newest, doc.date if doc else "")
    by_scope: dict[str, list[CategoryGroup]] = defaultdict(list)
    ordered = sorted(groups.values(), key=lambda g: g.name)
    # Newest first; ISO dates and bare years ("2023") both sort correctly as text.
    for group in sorted(ordered, key=lambda g: g.newest, reverse=True):
        by_scope[group.scope].append(group)
    sections = [
        Section(SECTION_TITLES.get(scope, "其他"), by_scope[scope])
        for scope in sorted(by_scope, key=_scope_rank)
    ]
    return sections, unknown


def readable_date(value: str) -> str:
    """ "2026-01-06" → "2026年1月6日"; a bare year "2023" → "2023年"."""
    found = _ISO_DATE.match(value)
    if found:
        year, month, day = (int(part) for part in found.groups())
        return f"{year}年{month}月{day}日"
    return f"{value}年" if value.isdigit() else value


def scope_label(scope: str) -> str:
    if scope == "beijing":
        return "北京市做法，仅供参考"
    return f"适用范围：{SCOPES.get(scope, scope)}"


def entry_page(session: Session, faq_id: str) -> EntryPage | None:
    """Everything the detail page shows, or None when there is no such (active) entry."""
    catalog = catalog_cache.get(session)
    entry = catalog.entries.get(faq_id)
    if entry is None:
        return None
    sources = []
    for ref in entry.sources:
        doc = catalog.documents.get(str(ref.get("doc", "")))
        sources.append(
            SourceView(
                number=doc.number if doc else "",
                title=doc.title if doc else str(ref.get("doc", "")),
                issuer=doc.issuer if doc else "",
                date=readable_date(doc.date) if doc else "",
                clause=str(ref.get("clause", "")),
                quote=str(ref.get("quote", "")),
            )
        )
    related = [
        other
        for other in catalog.entries.values()
        if other.category == entry.category and other.id != entry.id
    ][:RELATED_LIMIT]
    return EntryPage(
        entry=entry,
        scope_label=scope_label(entry.scope),
        is_reference_only=entry.scope == "beijing",
        citation=catalog.citation(entry),
        sources=sources,
        related=related,
    )
