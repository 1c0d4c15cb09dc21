"""Which job postings a person sees: open, still valid, matching their towns and industries.

A posting past its `valid_until` (a Shanghai calendar day) leaves every list at once,
even before the scheduler marks it closed, so a list never depends on when that job ran.
Lists are newest first with offset/limit paging; the chat, the pages and the digest all
ask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from core.jobs.models import OPEN, JobPosting, Subscription
from core.timeutil import local_today

PAGE_SIZE = 5


@dataclass(frozen=True)
class JobFilter:
    """Empty towns / industries mean any, as in a subscription.

    `words` (a kind of work, e.g. 司机 / 驾驶员 for "开车的") are looked for in a posting's
    title, industry and requirements; `pay_min` / `pay_max` keep postings whose stated pay
    can reach the floor / starts under the ceiling (薪资面议 states none, so is left out).
    """

    towns: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    priority_only: bool = False
    words: tuple[str, ...] = ()
    pay_min: int | None = None
    pay_max: int | None = None

    @property
    def narrowed(self) -> bool:
        return bool(
            self.towns
            or self.industries
            or self.priority_only
            or self.words
            or self.pay_min
            or self.pay_max
        )


def filter_for(subscription: Subscription | None) -> JobFilter:
    """A subscription's job choices; none (or jobs not chosen) means everything."""
    if subscription is None or not subscription.jobs:
        return JobFilter()
    return JobFilter(tuple(subscription.towns or ()), tuple(subscription.industries or ()))


@dataclass
class JobPage:
    items: list[JobPosting]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def _conditions(
    wanted: JobFilter, today: date, published_after: datetime | None
) -> list[ColumnElement[bool]]:
    """Open and still valid today, then whatever was asked for."""
    where = [JobPosting.status == OPEN, JobPosting.valid_until >= today]
    if wanted.towns:
        where.append(JobPosting.town.in_(wanted.towns))
    if wanted.industries:
        where.append(JobPosting.industry.in_(wanted.industries))
    if wanted.priority_only:
        where.append(JobPosting.veterans_priority.is_(True))
    if wanted.words:
        where.append(
            or_(
                *(
                    column.contains(word, autoescape=True)
                    for word in wanted.words
                    for column in (JobPosting.title, JobPosting.industry, JobPosting.requirements)
                )
            )
        )
    if wanted.pay_min:
        where.append(
            or_(
                JobPosting.pay_max >= wanted.pay_min,
                and_(JobPosting.pay_max.is_(None), JobPosting.pay_min >= wanted.pay_min),
            )
        )
    if wanted.pay_max:
        where.append(JobPosting.pay_min <= wanted.pay_max)
    if published_after is not None:
        where.append(JobPosting.published_at > published_after)
    return where


def search(
    session: Session,
    wanted: JobFilter | None = None,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
    published_after: datetime | None = None,
) -> JobPage:
    """One page of current postings matching `wanted`, newest first."""
    wanted = wanted or JobFilter()
    offset = max(0, offset)
    where = _conditions(wanted, local_today(now), published_after)
    # The page and the number of all matches in one statement (a window count); only a
    # page past the end, which has no row to carry the count, asks for it apart.
    found = session.execute(
        select(JobPosting, func.count().over())
        .where(*where)
        .order_by(JobPosting.published_at.desc(), JobPosting.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    if found:
        return JobPage([posting for posting, _ in found], offset, int(found[0][1]))
    total = 0
    if offset:
        total = session.scalar(select(func.count()).select_from(JobPosting).where(*where)) or 0
    return JobPage([], offset, total)


def get_posting(session: Session, posting_id: int) -> JobPosting | None:
    """Any posting by id, closed or expired too: an old message's link still opens."""
    return session.get(JobPosting, posting_id)


def is_current(posting: JobPosting, now: datetime | None = None) -> bool:
    return posting.status == OPEN and posting.valid_until >= local_today(now)


def status_label(posting: JobPosting, now: datetime | None = None) -> str:
    return "招聘中" if is_current(posting, now) else "已结束"
