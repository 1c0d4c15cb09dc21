"""The FAQ pages on a 375-px phone: ask, read the answer, open the cited detail page."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from core.db import db
from core.faq.content import import_files

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SHOTS = Path(os.environ.get("MOBILE_FAQ_SCREENSHOTS", tempfile.gettempdir()))
PHONE_WIDTH = 375


@pytest.fixture
def faq_server(app: Any, live_server: str) -> str:
    """The live server with the real FAQ content loaded."""
    session = db.session()
    import_files(session)
    session.commit()
    db.session.remove()
    # The first page builds the FAQ's search index (seconds on a busy machine): build it
    # here, so the browser's page load does not race a cold start.
    app.test_client().get("/m/faq")
    db.session.remove()
    return live_server


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_ask_a_question_then_read_the_cited_detail(faq_server: str, phone: Any) -> None:
    page = phone
    page.goto(faq_server + "/m/faq")
    expect(page.get_by_role("heading", name="政策问答")).to_be_visible()
    _fits_the_phone(page)

    page.get_by_label("输入您想问的问题").fill("当兵回来一直待业，失业保险怎么弄")
    page.get_by_role("button", name="搜索").click()
    card = page.locator(".answer-card")
    expect(card).to_contain_text("失业保险待遇")
    expect(card).to_contain_text("来源：嘉退役军人局发〔2026〕1号 第（三）条")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_faq.png"), full_page=True)

    card.get_by_role("link", name="查看完整解答和政策原文").click()
    expect(page).to_have_url(faq_server + "/m/faq/unemployment-insurance-after-discharge")
    expect(page.locator(".m-scope")).to_have_text("适用范围：嘉定区")
    quoted = page.locator("blockquote.m-quote", has_text="退出现役后未能及时就业而失业的人员")
    expect(quoted).to_be_visible()
    expect(page.locator(".m-docno").first).to_have_text("嘉退役军人局发〔2026〕1号")
    _fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "m_faq_detail.png"), full_page=True)

    page.get_by_role("link", name="← 全部问题").click()
    page.locator("summary", has_text="失业保障与就业帮扶").click()
    expect(
        page.get_by_role("link", name="退役后一直没找到工作，能领失业保险金吗？")
    ).to_be_visible()
    _fits_the_phone(page)
