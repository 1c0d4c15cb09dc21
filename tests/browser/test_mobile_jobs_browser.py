"""Jobs, events and subscriptions on a 375-px phone: filter jobs and open one, sign up for
an event, save subscriptions; no page scrolls sideways."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from core.db import db
from core.wechat import links
from tests.factories import Factories

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SHOTS = Path(os.environ.get("MOBILE_JOBS_SCREENSHOTS", tempfile.gettempdir()))
PHONE_WIDTH = 375


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_jobs_events_and_subscriptions_on_the_phone(app: Any, live_server: str, phone: Any) -> None:
    factories = Factories(db.session())
    factories.job_posting(
        title="示例仓库管理员（退役军人优先岗位名称较长也不会撑破页面）",
        employer="示例物流有限公司",
        town="江桥镇",
        industry="物流运输",
        veterans_priority=True,
        requirements="能吃苦耐劳，有叉车证优先",
        how_to_apply="电话 021-00000000（示例）",
    )
    factories.job_posting(title="示例装配工", town="安亭镇", industry="制造业")
    fair = factories.event(title="示例退役军人专场招聘会", capacity=30, is_sample=True)
    factories.person("o-phone-jobs")
    fair_id = fair.id
    db.session.remove()
    token = links.person_token(app.config["SETTINGS"], "o-phone-jobs")
    page = phone

    page.goto(f"{live_server}/m/jobs")
    expect(page.locator("[data-total]")).to_contain_text("共 2 个")
    _fits_the_phone(page)
    page.select_option("#f-town", "江桥镇")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("[data-total]")).to_contain_text("共 1 个")
    page.screenshot(path=str(SHOTS / "m_jobs.png"), full_page=True)
    page.locator(".jb-card a").first.click()
    expect(page.locator(".jb-pay")).to_contain_text("月薪 6000–9000 元")
    expect(page.locator(".jb-detail")).to_contain_text("有叉车证优先")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_job_detail.png"), full_page=True)

    page.goto(f"{live_server}/m/events/{fair_id}?t={token}")
    assert "t=" not in page.url
    expect(page.locator("[data-seats]")).to_contain_text("剩余 30 / 30")
    _fits_the_phone(page)
    page.get_by_role("button", name="我要报名").click()
    expect(page.locator(".m-notice-done").first).to_contain_text("报名成功")
    expect(page.locator("[data-seats]")).to_contain_text("剩余 29 / 30")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_event_signed_up.png"), full_page=True)

    page.goto(f"{live_server}/m/subscriptions")
    page.get_by_label("岗位信息", exact=True).check()
    page.get_by_label("江桥镇", exact=True).check()
    page.get_by_label("招聘会和活动", exact=True).check()
    _fits_the_phone(page)
    page.get_by_role("button", name="保存订阅").click()
    expect(page.locator("[data-summary]")).to_contain_text("江桥镇")
    expect(page.locator("[data-summary]")).to_contain_text("招聘会和活动")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_subscriptions.png"), full_page=True)
