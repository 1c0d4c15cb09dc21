"""What `/m/jobs` shows, shaped for templates: the filters from the address bar and the cards.

Filters come from a URL anyone can edit, so only known towns and industries are kept;
anything else is dropped (shown unfiltered) rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from core.booking.models import TOWNS
from core.jobs import search as job_search
from core.jobs.models import INDUSTRIES, JobPosting
from core.jobs.search import JobFilter, JobPage
from core.jobs.texts import pay_text

PAGE_SIZE = 10


@dataclass(frozen=True)
class JobFilters:
    town: str = ""
    industry: str = ""
    priority: bool = False
    page: int = 1

    def as_filter(self) -> JobFilter:
        return JobFilter(
            (self.town,) if self.town else (),
            (self.industry,) if self.industry else (),
            self.priority,
        )

    def query(self, page: int) -> str:
        params: dict[str, object] = {"town": self.town, "industry": self.industry}
        params.update(priority="1" if self.priority else "", page=page if page > 1 else "")
        return urlencode({k: v for k, v in params.items() if v})


def filters_from_args(args: Mapping[str, str]) -> JobFilters:
    town = args.get("town", "")
    industry = args.get("industry", "")
    try:
        page = max(1, min(int(args.get("page", "1")), 1000))
    except ValueError:
        page = 1
    return JobFilters(
        town if town in TOWNS else "",
        industry if industry in INDUSTRIES else "",
        args.get("priority") == "1",
        page,
    )


@dataclass
class JobList:
    filters: JobFilters
    result: JobPage
    towns: tuple[str, ...] = TOWNS
    industries: tuple[str, ...] = INDUSTRIES

    @property
    def has_samples(self) -> bool:
        return any(p.is_sample for p in self.result.items)

    @property
    def previous_query(self) -> str | None:
        page = self.filters.page
        return self.filters.query(page - 1) if page > 1 else None

    @property
    def next_query(self) -> str | None:
        return self.filters.query(self.filters.page + 1) if self.result.has_more else None


def job_list(session: Session, filters: JobFilters, now: datetime) -> JobList:
    offset = (filters.page - 1) * PAGE_SIZE
    page = job_search.search(session, filters.as_filter(), offset=offset, limit=PAGE_SIZE, now=now)
    return JobList(filters, page)


@dataclass(frozen=True)
class JobDetail:
    posting: JobPosting
    pay: str
    current: bool
    status: str


def job_detail(posting: JobPosting, now: datetime) -> JobDetail:
    return JobDetail(
        posting,
        pay_text(posting),
        job_search.is_current(posting, now),
        job_search.status_label(posting, now),
    )
