"""The FAQ as this process serves it: entries plus their index, rebuilt when curators edit.

Each worker keeps an immutable snapshot. At most every few seconds it asks the database
for a cheap stamp (number of entries, latest edit); a changed stamp rebuilds the
snapshot, so an edit in the console reaches every worker without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.faq.index import FaqIndex, Phrasing
from core.faq.models import FaqEntry
from core.faq.schema import Document, citation_of, load_documents
from core.faq.text import Lexicon, TextProcessor

CHECK_EVERY_SECONDS = 3.0

# A session, or how to get one: the caches below need one only every few seconds (to
# compare stamps), so a message whose handler uses no database never opens one for them.
SessionSource = Session | Callable[[], Session]


def session_of(source: SessionSource) -> Session:
    return source if isinstance(source, Session) else source()


@dataclass(frozen=True)
class EntryView:
    """What answering needs of an entry, detached from the database session."""

    id: str
    category: str
    question: str
    similar: tuple[str, ...]
    answer: str
    detail: str
    scope: str
    sources: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, EntryView]
    index: FaqIndex
    documents: dict[str, Document]
    stamp: tuple[Any, ...]

    def citation(self, entry: EntryView) -> str:
        """ "来源：嘉退役军人局发〔2026〕1号 第（三）条" — every answer ends with it."""
        pairs = ((str(s.get("doc")), str(s.get("clause", ""))) for s in entry.sources)
        return citation_of(pairs, self.documents)


_processor_lock = threading.Lock()
_processor: TextProcessor | None = None


def text_processor(cache_dir: Path | None = None) -> TextProcessor:
    """jieba and the lexicon, loaded once per process (before fork under gunicorn)."""
    global _processor
    with _processor_lock:
        if _processor is None:
            _processor = TextProcessor(Lexicon.load(), cache_dir)
        return _processor


def _stamp(session: Session) -> tuple[Any, ...]:
    count, latest = session.execute(
        select(func.count(FaqEntry.id), func.max(FaqEntry.updated_at)).where(FaqEntry.is_active)
    ).one()
    return (count, str(latest))


def build_catalog(session: Session, stamp: tuple[Any, ...] | None = None) -> Catalog:
    rows = session.scalars(select(FaqEntry).where(FaqEntry.is_active).order_by(FaqEntry.id)).all()
    views = [
        (
            EntryView(
                r.id,
                r.category,
                r.question,
                tuple(r.similar or ()),
                r.answer,
                r.detail or "",
                r.scope,
                tuple(r.sources or ()),
            ),
            list(r.keywords or []),
        )
        for r in rows
    ]
    return catalog_from_views(views, stamp or _stamp(session))


def catalog_from_views(
    views: list[tuple[EntryView, list[str]]], stamp: tuple[Any, ...] = ()
) -> Catalog:
    """A catalog from entries and their keywords (the database's, or the content files')."""
    entries = {view.id: view for view, _ in views}
    phrasings = [Phrasing(v.id, q) for v, _ in views for q in [v.question, *v.similar]]
    index = _index_for(phrasings, {v.id: keywords for v, keywords in views})
    return Catalog(entries, index, load_documents(), stamp)


# The last index built, with what it was built from: (phrasings, keywords), index.
_last_index: tuple[tuple[Any, ...], FaqIndex] | None = None


def _index_for(phrasings: list[Phrasing], keywords: dict[str, list[str]]) -> FaqIndex:
    """The index for these phrasings and keywords, reused when they are what the last one
    was built from.

    Most curators' edits change an answer, a detail or a source, not how a question is
    asked: those need a new snapshot of the entries but not the index, which takes about
    0.8 s to build over 2,559 phrasings. An index is immutable, so sharing it is safe."""
    global _last_index
    key = (tuple(phrasings), tuple((k, tuple(v)) for k, v in sorted(keywords.items())))
    last = _last_index
    if last is not None and last[0] == key:
        return last[1]
    index = FaqIndex(text_processor(), phrasings, keywords)
    _last_index = (key, index)
    return index


class CatalogCache:
    """The current snapshot, refreshed lazily; readers never see a half-built index."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._checked = 0.0

    def get(self, source: SessionSource) -> Catalog:
        now = time.monotonic()
        catalog = self._catalog
        if catalog is not None and now - self._checked < CHECK_EVERY_SECONDS:
            return catalog
        with self._lock:
            if self._catalog is not None and now - self._checked < CHECK_EVERY_SECONDS:
                return self._catalog
            session = session_of(source)
            stamp = _stamp(session)
            if self._catalog is None or self._catalog.stamp != stamp:
                self._catalog = build_catalog(session, stamp)
            self._checked = time.monotonic()
            return self._catalog

    def invalidate(self) -> None:
        """This process edited the FAQ: look again on the next question."""
        self._checked = 0.0


catalog_cache = CatalogCache()
