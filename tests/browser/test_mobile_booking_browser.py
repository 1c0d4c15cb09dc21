"""Booking on a 375-px phone: open the chat's link, pick a slot, confirm, see the code."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.db import db
from core.wechat import links
from tests.booking.conftest import NOW
from tests.clock import frozen_clock
from tests.factories import Factories

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SHOTS = Path(os.environ.get("MOBILE_BOOK_SCREENSHOTS", tempfile.gettempdir()))
PHONE_WIDTH = 375


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pages read the clock through core.timeutil; pin it to NOW (Wednesday 08:00)."""
    with frozen_clock(monkeypatch, NOW):
        yield


def test_book_a_slot_on_the_phone(app: Any, live_server: str, phone: Any, frozen: None) -> None:
    factories = Factories(db.session())
    station = factories.station(
        name="安亭镇社区就业服务站（示例）",
        address="安亭镇示例路1号",
        services=(2, 3, 7, 8, 16, 17, 18, 20, 21),
        desks=2,
        has_veterans_window=True,
    )
    factories.person("o-phone")
    station_id = station.id
    db.session.remove()
    token = links.person_token(app.config["SETTINGS"], "o-phone")

    page = phone
    page.goto(f"{live_server}/m/book?station={station_id}&t={token}")
    expect(page.get_by_role("heading", name="选择要办理的事项")).to_be_visible()
    assert "t=" not in page.url  # the token is swapped for the session at once
    _fits_the_phone(page)

    page.get_by_role("link", name="政策咨询").click()
    expect(page.get_by_role("heading", name="选择时间")).to_be_visible()
    page.locator(".m-day", has_text="12月3日").click()
    expect(page.locator(".m-day.is-on")).to_contain_text("12月3日")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_book.png"), full_page=True)

    page.locator("a.m-slot", has_text="09:30").click()
    confirm = page.locator(".m-confirm")
    expect(confirm).to_contain_text("12月3日 周四 09:30-10:00")
    expect(confirm).to_contain_text("政策咨询")
    _fits_the_phone(page)
    page.get_by_role("button", name="确认预约").click()

    done = page.locator(".bk-done")
    expect(done).to_contain_text("预约成功")
    code = page.locator("[data-code]").inner_text().strip()
    assert len(code) == 6
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_book_done.png"), full_page=True)

    page.get_by_role("link", name="查看我的全部预约").click()
    expect(page.locator(".bk-card.is-active")).to_contain_text(code)
    page.locator(".bk-cancel summary").click()
    expect(page.get_by_role("button", name="确认取消预约")).to_be_visible()
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_bookings.png"), full_page=True)
