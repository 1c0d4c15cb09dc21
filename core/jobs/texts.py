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


# A posting's details in a chat reply: long requirements are cut here and read in full on
# the posting's page (WeChat cuts passive replies at about 2 kB).
DETAIL_MAX = 160


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def detail_text(posting: JobPosting, current: bool) -> str:
    """One posting as a chat reply: the line of the list, then what it asks and how to apply."""
    lines = [posting_line(posting)]
    if not current:
        lines.append("这个岗位已经结束招聘。")
        return "\n".join(lines)
    lines.append(f"有效期至 {posting.valid_until.month}月{posting.valid_until.day}日")
    if posting.requirements:
        lines.append(f"要求：{_cut(posting.requirements)}")
    if posting.how_to_apply:
        lines.append(f"应聘方式：{_cut(posting.how_to_apply)}")
    return "\n".join(lines)
