"""How a job posting reads in one line: the chat, the pages, the console and the digest agree."""

from __future__ import annotations

from core.jobs.models import JobPosting

PRIORITY_MARK = "【退役军人优先】"
_DASH = "–"


def pay_text(posting: JobPosting) -> str:
    """Monthly pay as people say it; a missing bound never shows up as 0 or None."""
    low, high = posting.pay_min, posting.pay_max
    if low and high:
        if low == high:
            return f"月薪 {low} 元"
        low, high = min(low, high), max(low, high)
        return f"月薪 {low}{_DASH}{high} 元"
    if low:
        return f"月薪 {low} 元起"
    if high:
        return f"月薪最高 {high} 元"
    return "薪资面议"


def posting_line(posting: JobPosting) -> str:
    """One short line; the priority mark leads so a veteran spots it in a list of five."""
    mark = PRIORITY_MARK if posting.veterans_priority else ""
    parts = [posting.title, posting.employer, posting.town, pay_text(posting)]
    return mark + " · ".join(p for p in parts if p)
