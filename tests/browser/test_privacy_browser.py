"""The privacy notice on a 375-px phone: reached from a page's footer, readable, fits."""

from __future__ import annotations

from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PHONE_WIDTH = 375


def test_footer_link_opens_the_notice_which_fits_the_phone(live_server: str, phone: Any) -> None:
    page = phone
    page.goto(live_server + "/m/jobs")
    page.get_by_role("link", name="隐私说明").click()
    expect(page).to_have_url(live_server + "/m/privacy")
    expect(page.get_by_role("heading", name="隐私说明", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="保存多久")).to_be_visible()
    expect(page.locator("[data-privacy-section]", has_text="保存多久")).to_contain_text(
        "保存 180 天"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
