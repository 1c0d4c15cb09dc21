"""Job postings to and from CSV: all rows or none, every bad row named with its line and reason.

Columns (English headers, the first line): ref, employer, title, town, industry, pay_min,
pay_max, requirements, how_to_apply, veterans_priority, valid_until. `ref` is the key: a row
whose ref exists updates that posting (its open/closed status stays), a row without one
adds a posting. Each row is checked by `job_admin.check_posting`, the console form's rules.
An export writes the same columns, so it imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.admin import AUTO_REF, FIELDS, PostingError, check_posting, local_today
from core.jobs.models import OPEN, JobPosting

COLUMNS = FIELDS
REQUIRED = ("employer", "title", "town", "industry", "valid_until")
MAX_ROWS = 5000


class JobImportError(ValueError):
    """Nothing was imported; `problems` lists "第 N 行：原因" for every bad row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or GB18030 as Excel on Chinese Windows saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise JobImportError(["文件编码无法识别：请在 Excel 中另存为“CSV UTF-8”后再导入。"])


def parse_csv(
    text: str, now: datetime, existing: dict[str, JobPosting] | None = None
) -> list[dict[str, Any]]:
    """Every row's values, or JobImportError naming each bad one."""
    existing = existing or {}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = headers
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise JobImportError(
            [f"第 1 行：缺少列 {', '.join(missing)}（第一行应为列名：{','.join(COLUMNS)}）"]
        )
    today = local_today(now)
    parsed: list[dict[str, Any]] = []
    problems: list[str] = []
    refs: set[str] = set()
    ended = 1  # a quoted field may span lines: a row starts after the previous one ends
    for row in reader:
        line, ended = ended + 1, reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line Excel left at the end
        if len(parsed) + len(problems) >= MAX_ROWS:
            raise JobImportError([f"文件超过 {MAX_ROWS} 行，请分批导入。"])
        ref = (row.get("ref") or "").strip()
        kept = existing[ref].valid_until if ref in existing else None
        try:
            values = check_posting(row, today, kept_valid_until=kept)
        except PostingError as exc:
            problems.append(f"第 {line} 行：{exc}")
            continue
        if ref and ref in refs:
            problems.append(f"第 {line} 行：编号 {ref} 在文件中重复")
            continue
        refs.add(ref)
        parsed.append(values)
    if problems:
        raise JobImportError(problems)
    if not parsed:
        raise JobImportError(["文件中没有岗位数据。"])
    return parsed


def import_csv(session: Session, text: str, now: datetime) -> ImportResult:
    """Insert or update (by ref) every posting in the file, or nothing. Flushes only."""
    existing = {p.ref: p for p in session.scalars(select(JobPosting)) if p.ref}
    rows = parse_csv(text, now, existing)
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    for p in session.scalars(select(JobPosting).order_by(JobPosting.id)):
        writer.writerow(
            {
                "ref": p.ref or "",
                "employer": p.employer,
                "title": p.title,
                "town": p.town,
                "industry": p.industry,
                "pay_min": "" if p.pay_min is None else p.pay_min,
                "pay_max": "" if p.pay_max is None else p.pay_max,
                "requirements": p.requirements,
                "how_to_apply": p.how_to_apply,
                "veterans_priority": int(p.veterans_priority),
                "valid_until": p.valid_until.isoformat(),
            }
        )
    return buffer.getvalue()
