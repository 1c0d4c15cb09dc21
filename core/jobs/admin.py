"""Staff keep the job postings: one set of rules for the console form, the CSV import and
the scheduler, so a posting that is valid in one place is valid in all.

A posting is checked as text (what a form or a CSV row holds) and every problem is kept
against its field, in Chinese, so a form can show each next to its input and an import can
name them all in one line. A posting stays visible to veterans while it is open and its
`valid_until` (a day in Asia/Shanghai) has not passed; `expire_due` closes the rest, so
lists never need to filter by date themselves. Services flush; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.booking.models import TOWNS
from core.jobs.models import CLOSED, INDUSTRIES, OPEN, JobPosting
from core.timeutil import local_today, utcnow

FIELDS = (
    "ref",
    "employer",
    "title",
    "town",
    "industry",
    "pay_min",
    "pay_max",
    "requirements",
    "how_to_apply",
    "veterans_priority",
    "valid_until",
)
LABELS = {
    "ref": "编号",
    "employer": "用人单位",
    "title": "岗位名称",
    "town": "街镇",
    "industry": "行业",
    "pay_min": "月薪下限",
    "pay_max": "月薪上限",
    "requirements": "岗位要求",
    "how_to_apply": "报名方式",
    "veterans_priority": "退役军人优先",
    "valid_until": "有效期至",
}
MAX_LENGTH = {
    "ref": 40,
    "employer": 100,
    "title": 100,
    "requirements": 1000,
    "how_to_apply": 500,
}
PAY_CEILING = 1_000_000
MAX_VALID_DAYS = 366
AUTO_REF = "JP-{:06d}"
_REF = re.compile(r"^[A-Za-z0-9_.\-]+$")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²".isdigit() is true and int() refuses it
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")  # typed with a Chinese IME
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"", "0", "false", "no", "n", "否"}


class PostingError(ValueError):
    """A posting refused by the rules; `errors` maps each bad field to its Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(f"{LABELS.get(k, k)}：{v}" for k, v in errors.items()))


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _pay(raw: str, errors: dict[str, str], name: str) -> int | None:
    if not raw:
        return None
    cleaned = raw.replace(",", "").replace("，", "").translate(_FULLWIDTH_DIGITS)
    if not _DIGITS.fullmatch(cleaned):
        errors[name] = "请填写不小于 0 的整数（元/月），不清楚可留空。"
        return None
    if len(cleaned.lstrip("0")) > len(str(PAY_CEILING)) or int(cleaned) > PAY_CEILING:
        errors[name] = "金额过大，请填写每月的元数。"
        return None
    return int(cleaned)


def _flag(raw: str, errors: dict[str, str]) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered not in _FALSE:
        errors["veterans_priority"] = "请填写 1（是）或 0（否）。"
    return False


def parse_day(raw: str) -> date | None:
    """2026-12-31, or 2026/12/31 as Excel writes it."""
    try:
        return date.fromisoformat(raw.replace("/", "-").strip())
    except ValueError:
        match raw.replace("/", "-").split("-"):
            case [year, month, day] if all(p.isdigit() for p in (year, month, day)):
                try:
                    return date(int(year), int(month), int(day))
                except ValueError:
                    return None
        return None


def check_posting(
    raw: Mapping[str, Any], today: date, kept_valid_until: date | None = None
) -> dict[str, Any]:
    """The posting's column values, or PostingError listing every bad field.

    `kept_valid_until` is the stored date of the posting being changed: a date already in
    the past may stay as it is (an export of closed postings imports back), not be set anew.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: _text(raw, name) for name in FIELDS}
    for name in ("employer", "title"):
        if not values[name]:
            errors[name] = f"请填写{LABELS[name]}。"
    for name, limit in MAX_LENGTH.items():
        if len(values[name]) > limit:
            errors[name] = f"{LABELS[name]}不超过 {limit} 个字。"
    if values["ref"] and "ref" not in errors and not _REF.match(values["ref"]):
        errors["ref"] = "编号只能包含字母、数字、“-”“_”“.”。"
    if values["town"] not in TOWNS:
        errors["town"] = f"请从嘉定区的街镇中选择（{'、'.join(TOWNS)}）。"
    if values["industry"] not in INDUSTRIES:
        errors["industry"] = f"请从以下行业中选择：{'、'.join(INDUSTRIES)}。"
    values["pay_min"] = _pay(values["pay_min"], errors, "pay_min")
    values["pay_max"] = _pay(values["pay_max"], errors, "pay_max")
    low, high = values["pay_min"], values["pay_max"]
    if low is not None and high is not None and low > high:
        errors["pay_max"] = "月薪上限不能低于下限。"
    values["veterans_priority"] = _flag(values["veterans_priority"], errors)
    day = parse_day(values["valid_until"])
    if day is None:
        errors["valid_until"] = "请填写日期，如 2026-12-31。"
    elif day < today and day != kept_valid_until:
        errors["valid_until"] = "有效期不能早于今天。"
    elif day > today + timedelta(days=MAX_VALID_DAYS):
        errors["valid_until"] = "有效期最长一年，请填写一年内的日期。"
    values["valid_until"] = day
    values["ref"] = values["ref"] or None
    if errors:
        raise PostingError(errors)
    return values


def _ref_taken(session: Session, ref: str | None, own_id: int | None) -> bool:
    if ref is None:
        return False
    found = session.scalar(select(JobPosting.id).where(JobPosting.ref == ref))
    return found is not None and found != own_id


def _give_ref(session: Session, posting: JobPosting) -> None:
    """Every posting gets a reference, so an exported file updates it instead of copying it."""
    if posting.ref is None:
        session.flush()
        posting.ref = AUTO_REF.format(posting.id)


def create_posting(
    session: Session, raw: Mapping[str, Any], now: datetime, *, is_sample: bool = False
) -> JobPosting:
    values = check_posting(raw, local_today(now))
    if _ref_taken(session, values["ref"], None):
        raise PostingError({"ref": f"编号 {values['ref']} 已被其他岗位使用。"})
    posting = JobPosting(**values, status=OPEN, is_sample=is_sample, published_at=now)
    session.add(posting)
    _give_ref(session, posting)
    session.flush()
    return posting


def update_posting(
    session: Session, posting: JobPosting, raw: Mapping[str, Any], now: datetime
) -> JobPosting:
    """Change the details; the status stays (closing and reopening are their own actions)."""
    values = check_posting(raw, local_today(now), kept_valid_until=posting.valid_until)
    if _ref_taken(session, values["ref"], posting.id):
        raise PostingError({"ref": f"编号 {values['ref']} 已被其他岗位使用。"})
    for name, value in values.items():
        setattr(posting, name, value)
    _give_ref(session, posting)
    session.flush()
    return posting


def close_posting(session: Session, posting: JobPosting, now: datetime) -> bool:
    """Take it off every list; False if it was already closed."""
    changed = session.execute(
        update(JobPosting)
        .where(JobPosting.id == posting.id, JobPosting.status == OPEN)
        .values(status=CLOSED, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(posting)
    return bool(getattr(changed, "rowcount", 0))


def reopen_posting(session: Session, posting: JobPosting, now: datetime) -> None:
    """Show a closed posting again, only while it is still valid."""
    if posting.valid_until < local_today(now):
        raise PostingError({"valid_until": "该岗位已过有效期，请先修改有效期再重新发布。"})
    posting.status = OPEN
    posting.closed_at = None
    session.flush()


def expire_due(session: Session, today: date, now: datetime | None = None) -> int:
    """Close open postings whose last day (Asia/Shanghai) is before `today`; how many."""
    changed = session.execute(
        update(JobPosting)
        .where(JobPosting.status == OPEN, JobPosting.valid_until < today)
        .values(status=CLOSED, closed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(changed, "rowcount", 0))


def list_postings(
    session: Session, status: str | None = None, query: str = "", limit: int = 200
) -> list[JobPosting]:
    """For the console: newest first, optionally by status and a word in title or employer."""
    stmt = select(JobPosting).order_by(JobPosting.published_at.desc(), JobPosting.id.desc())
    if status in (OPEN, CLOSED):
        stmt = stmt.where(JobPosting.status == status)
    words = query.strip()
    if words:
        like = f"%{words}%"
        stmt = stmt.where(
            or_(
                JobPosting.title.like(like),
                JobPosting.employer.like(like),
                JobPosting.ref.like(like),
            )
        )
    return list(session.scalars(stmt.limit(limit)))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(JobPosting.status, func.count()).group_by(JobPosting.status)
    ).all()
    found = {status: int(n) for status, n in rows}
    return {OPEN: found.get(OPEN, 0), CLOSED: found.get(CLOSED, 0)}


def posting_form_data(posting: JobPosting | None, today: date) -> dict[str, Any]:
    """What the edit form shows: the posting as text, or defaults for a new one."""
    if posting is None:
        return {"valid_until": (today + timedelta(days=30)).isoformat()}
    data = {name: getattr(posting, name) for name in FIELDS}
    data["valid_until"] = posting.valid_until.isoformat()
    return {name: "" if value is None else value for name, value in data.items()}
