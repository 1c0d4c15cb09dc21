"""Moving the FAQ between the reviewable content files and the database.

The files in content/policy_faq/ are the reviewed source; the database is what the
console edits and the bot serves. `import` loads files into the database (insert or
update by id), `export` writes the database back into the same files, so curators'
edits can be reviewed and committed.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.content_files import read_yaml
from core.faq.catalog import catalog_cache
from core.faq.models import FaqEntry
from core.faq.schema import CONTENT_DIR, Entry, SourceRef, load_entries
from core.timeutil import utcnow


def entry_to_row(entry: Entry, row: FaqEntry | None = None) -> FaqEntry:
    row = row or FaqEntry(id=entry.id)
    row.category = entry.category
    row.question = entry.question
    row.similar = list(entry.similar)
    row.keywords = list(entry.keywords)
    row.answer = entry.answer
    row.detail = entry.detail
    row.scope = entry.scope
    row.sources = [{"doc": s.doc, "clause": s.clause, "quote": s.quote} for s in entry.sources]
    row.file = entry.file
    row.is_active = True
    return row


def row_to_entry(row: FaqEntry) -> Entry:
    return Entry(
        id=row.id,
        category=row.category,
        question=row.question,
        similar=list(row.similar or []),
        keywords=list(row.keywords or []),
        answer=row.answer,
        detail=row.detail or "",
        scope=row.scope,
        sources=[
            SourceRef(str(s.get("doc", "")), str(s.get("clause", "")), str(s.get("quote", "")))
            for s in row.sources or []
        ],
        file=row.file,
    )


def import_entries(
    session: Session, entries: list[Entry], actor: str = "import"
) -> tuple[int, int]:
    """Insert new entries and update changed ones; returns (added, updated)."""
    existing = {r.id: r for r in session.scalars(select(FaqEntry))}
    added = updated = 0
    now = utcnow()
    for entry in entries:
        row = existing.get(entry.id)
        if row is None:
            session.add(entry_to_row(entry))
            added += 1
            continue
        before = row_to_entry(row)
        if (
            before.to_yaml_dict() != entry.to_yaml_dict()
            or row.category != entry.category
            or not row.is_active
        ):
            entry_to_row(entry, row)
            row.updated_at = now
            row.updated_by = actor
            updated += 1
    session.flush()
    catalog_cache.invalidate()
    return added, updated


def import_files(session: Session, directory: Path = CONTENT_DIR) -> tuple[int, int]:
    return import_entries(session, load_entries(directory))


def load_if_empty(session: Session) -> int:
    """First start: fill the database from the content files."""
    if session.scalar(select(func.count()).select_from(FaqEntry)):
        return 0
    added, _ = import_files(session)
    return added


def export_files(session: Session, directory: Path = CONTENT_DIR) -> list[Path]:
    """Write every entry back to its topic file (new entries go to curated.yaml)."""
    by_file: dict[str, list[FaqEntry]] = defaultdict(list)
    for row in session.scalars(
        select(FaqEntry).where(FaqEntry.is_active).order_by(FaqEntry.file, FaqEntry.id)
    ):
        by_file[row.file or "curated.yaml"].append(row)
    written = []
    for name, rows in sorted(by_file.items()):
        path = directory / name
        order = _existing_order(path)
        rows.sort(key=lambda r: (order.get(r.id, len(order)), r.id))
        data = {
            "category": rows[0].category,
            "entries": [row_to_entry(r).to_yaml_dict() for r in rows],
        }
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
        )
        written.append(path)
    return written


def _existing_order(path: Path) -> dict[str, int]:
    """Keep entries in the order a reviewer already knows, so diffs stay small."""
    if not path.exists():
        return {}
    raw = read_yaml(path) or {}
    return {
        str(e.get("id")): i for i, e in enumerate(raw.get("entries") or []) if isinstance(e, dict)
    }
