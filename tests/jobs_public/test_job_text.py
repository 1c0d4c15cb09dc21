"""How pay and a posting's line read wherever a posting is shown."""

from __future__ import annotations

from core.jobs.models import JobPosting
from core.jobs.texts import pay_text, posting_line


def _posting(**fields: object) -> JobPosting:
    values: dict[str, object] = {
        "employer": "示例物流公司",
        "title": "仓库管理员",
        "town": "江桥镇",
        "industry": "物流运输",
        "pay_min": 6000,
        "pay_max": 8000,
        "veterans_priority": False,
    }
    values.update(fields)
    return JobPosting(**values)


def test_pay_range_minimum_only_and_negotiable():
    assert pay_text(_posting()) == "月薪 6000–8000 元"
    assert pay_text(_posting(pay_max=None)) == "月薪 6000 元起"
    assert pay_text(_posting(pay_min=None, pay_max=None)) == "薪资面议"
    assert pay_text(_posting(pay_min=None, pay_max=7000)) == "月薪最高 7000 元"
    assert pay_text(_posting(pay_min=7000, pay_max=7000)) == "月薪 7000 元"


def test_posting_line_has_title_employer_town_pay_and_the_priority_mark():
    line = posting_line(_posting(veterans_priority=True))
    assert line == "【退役军人优先】仓库管理员 · 示例物流公司 · 江桥镇 · 月薪 6000–8000 元"
    assert "退役军人优先" not in posting_line(_posting())
