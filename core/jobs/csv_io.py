"""Job postings to and from CSV: all rows or none, every bad value named with its line,
column and the value as written (core/csvio.py reads, limits and writes the file).

Columns (English headers, the first line): ref, employer, title, town, industry, pay_min,
pay_max, requirements, how_to_apply, veterans_priority, valid_until. `ref` is the key: a row
whose ref exists updates that posting (its open/closed status stays), a row without one
adds a posting. Each row is checked by `job_admin.check_posting`, the console form's rules.
An export writes the same columns, so it imports back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import csvio
from core.config import CSV_MAX_BYTES, CSV_MAX_JOB_ROWS, Settings
from core.jobs.admin import AUTO_REF, FIELDS, LABELS, PostingError, check_posting, local_today
from core.jobs.models import OPEN, JobPosting

COLUMNS = FIELDS
REQUIRED = ("employer", "title", "town", "industry", "valid_until")
LIMITS = csvio.Limits(CSV_MAX_BYTES, CSV_MAX_JOB_ROWS)


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def limits(settings: Settings) -> csvio.Limits:
    return csvio.Limits(settings.csv_max_bytes, settings.csv_max_job_rows)


def parse_csv(
    text: str,
    now: datetime,
    existing: dict[str, JobPosting] | None = None,
    limits: csvio.Limits = LIMITS,
) -> list[dict[str, Any]]:
    """Every row's values, or CsvImportError naming each bad value with its line and column."""
    existing = existing or {}
    rows = csvio.read_rows(text, columns=COLUMNS, required=REQUIRED, labels=LABELS, limits=limits)
    today = local_today(now)
    parsed: list[dict[str, Any]] = []
    problems: list[str] = []
    refs: dict[str, int] = {}
    for row in rows:
        if row.problems:
            problems.extend(row.problems)
            continue
        ref = row.get("ref").strip()
        kept = existing[ref].valid_until if ref in existing else None
        try:
            values = check_posting(row.values, today, kept_valid_until=kept)
        except PostingError as exc:
            problems.extend(
                csvio.cell_problem(row.line, name, LABELS[name], row.get(name), reason)
                for name, reason in exc.errors.items()
            )
            continue
        if ref and ref in refs:
            reason = f"编号在文件中重复（第 {refs[ref]} 行已有）"
            problems.append(csvio.cell_problem(row.line, "ref", LABELS["ref"], ref, reason))
            continue
        refs[ref] = row.line
        parsed.append(values)
    csvio.raise_if(problems)
    if not parsed:
        raise csvio.CsvImportError(["文件中没有岗位数据。"])
    return parsed


def import_csv(
    session: Session, text: str, now: datetime, limits: csvio.Limits = LIMITS
) -> ImportResult:
    """Insert or update (by ref) every posting in the file, or nothing. Flushes only."""
    existing = {p.ref: p for p in session.scalars(select(JobPosting)) if p.ref}
    rows = parse_csv(text, now, existing, limits)
    added = updated = 0
    for values in rows:
        posting = existing.get(values["ref"]) if values["ref"] else None
        if posting is None:
            posting = JobPosting(**values, status=OPEN, published_at=now)
            session.add(posting)
            added += 1
        else:
            for name, value in values.items():
                setattr(posting, name, value)
            updated += 1
    session.flush()
    for posting in session.scalars(select(JobPosting).where(JobPosting.ref.is_(None))):
        posting.ref = AUTO_REF.format(posting.id)
    session.flush()
    return ImportResult(added, updated)


def export_csv(session: Session) -> str:
    """Every posting, in the import's columns, through the one neutralising writer."""
    return csvio.write_csv(
        COLUMNS,
        (
            [
                p.ref or "",
                p.employer,
                p.title,
                p.town,
                p.industry,
                "" if p.pay_min is None else p.pay_min,
                "" if p.pay_max is None else p.pay_max,
                p.requirements,
                p.how_to_apply,
                int(p.veterans_priority),
                p.valid_until.isoformat(),
            ]
            for p in session.scalars(select(JobPosting).order_by(JobPosting.id))
        ),
    )
