"""The simulator in a phone-sized Chromium: real clicks, real `/wechat` round trips."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.db import db
from core.wechat.models import OutboxMessage

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SCREENSHOT = Path(
    os.environ.get("SIMULATOR_SCREENSHOT", Path(tempfile.gettempdir(), "simulator.png"))
)


def _bot_says(page: Any, text: str) -> None:
    expect(page.locator(".row.in .bubble").filter(has_text=text).last).to_be_visible()


def test_a_veteran_follows_asks_for_help_a_person_and_shares_a_location(
    live_server: str, phone: Any
) -> None:
    page = phone
    page.goto(live_server + "/simulator")
    expect(page.locator("#identity-current")).to_have_text(re.compile(r"^sim-[0-9a-f]{12}$"))

    page.get_by_role("button", name="关注", exact=True).click()
    _bot_says(page, "欢迎关注")

    page.get_by_label("输入消息").fill("帮助")
    page.get_by_role("button", name="发送", exact=True).click()
    expect(page.locator(".row.out .bubble").last).to_have_text("帮助")
    _bot_says(page, "可以帮您")

    page.locator("#menubar").get_by_role("button", name="办事与咨询").click()
    page.locator(".submenu").get_by_role("button", name="人工服务").click()
    _bot_says(page, "已为您转接人工服务")

    page.get_by_role("button", name="分享位置").click()
    page.locator("#location-presets button", has_text="安亭镇").click()
    expect(page.locator("#location-sheet")).to_be_hidden()
    _bot_says(page, "已收到您的位置")

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOT))


def test_links_in_replies_are_tappable_words(live_server: str, phone: Any) -> None:
    """A reply's <a href> shows as a short tappable link, as WeChat shows it, not markup."""
    page = phone
    page.goto(live_server + "/simulator")
    page.get_by_label("输入消息").fill("我约了哪天来着")
    page.get_by_role("button", name="发送", exact=True).click()
    link = page.locator(".row.in .bubble a.link", has_text="预约记录").last
    expect(link).to_be_visible(timeout=60_000)  # a cold start loads the understanding step
    assert "/m/bookings?t=" in (link.get_attribute("href") or "")
    expect(page.locator(".row.in .bubble").last).not_to_contain_text("<a href")


def test_voice_image_and_typed_coordinates(live_server: str, phone: Any) -> None:
    page = phone
    page.goto(live_server + "/simulator")

    page.get_by_label("输入消息").fill("帮助")
    page.get_by_role("button", name="语音").click()
    expect(page.locator(".row.out .bubble").last).to_contain_text("[语音] 帮助")
    _bot_says(page, "可以帮您")

    page.get_by_role("button", name="图片").click()
    _bot_says(page, "只能看懂文字")

    page.get_by_role("button", name="分享位置").click()
    page.get_by_label("纬度").fill("北纬三十一度")
    page.get_by_label("经度").fill("121.25")
    page.get_by_role("button", name="发送该位置").click()
    expect(page.locator("#location-error")).to_contain_text("数字")
    page.get_by_label("纬度").fill("131.38")
    page.get_by_role("button", name="发送该位置").click()
    expect(page.locator("#location-error")).to_contain_text("-90 到 90")
    page.get_by_label("纬度").fill("31.38")
    page.get_by_label("地点名称（可选）").fill("测试地点")
    page.get_by_role("button", name="发送该位置").click()
    _bot_says(page, "已收到您的位置（测试地点）")


def test_switching_identity_and_seeing_a_staff_push(
    live_server: str, phone: Any, app: Flask
) -> None:
    page = phone
    page.goto(live_server + "/simulator")
    page.get_by_role("button", name="切换身份").click()
    page.get_by_label("openid").fill("not valid!")
    page.get_by_role("button", name="使用此身份").click()
    expect(page.locator("#identity-error")).to_contain_text("openid")
    page.get_by_label("openid").fill("sim-veteran-2")
    page.get_by_role("button", name="使用此身份").click()
    expect(page.locator("#identity-current")).to_have_text("sim-veteran-2")

    with app.app_context():
        db.session.add(OutboxMessage(openid="sim-veteran-2", content="您好，我是工作人员小王。"))
        db.session.add(OutboxMessage(openid="sim-someone-else", content="不该出现"))
        db.session.commit()
        db.session.remove()

    push = page.locator(".row.in").filter(has_text="工作人员小王")
    expect(push).to_be_visible()
    expect(push.locator(".tag")).to_contain_text("推送")
    expect(page.get_by_text("不该出现")).to_have_count(0)

    page.reload()  # the identity survives a reload, and the push is not shown twice
    expect(page.locator("#identity-current")).to_have_text("sim-veteran-2")
    page.wait_for_timeout(2500)
    expect(page.get_by_text("工作人员小王")).to_have_count(0)


NEWS_REPLY = (
    "<xml><ToUserName><![CDATA[sim]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName>"
    "<CreateTime>1</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
    "<Articles><item><Title><![CDATA[招聘会通知]]></Title>"
    "<Description><![CDATA[本周六在嘉定区人才市场举行]]></Description>"
    "<PicUrl><![CDATA[]]></PicUrl><Url><![CDATA[https://example.org/jobs]]></Url></item></Articles></xml>"
)


def test_sub_menus_and_news_cards(
    live_server: str, phone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A menu with a sub-menu pops up like WeChat's; a news reply becomes a card."""
    from web.simulator import routes

    menu = {
        "button": [
            {
                "name": "就业服务",
                "sub_button": [
                    {"type": "click", "name": "使用帮助", "key": "HELP"},
                    {"type": "view", "name": "岗位列表", "url": "http://127.0.0.1:9/jobs"},
                ],
            },
            {"type": "click", "name": "人工服务", "key": "HANDOVER"},
        ]
    }
    monkeypatch.setattr(routes, "load_menu", lambda base_url="": menu)
    page = phone
    page.goto(live_server + "/simulator")
    submenu = page.locator(".submenu")
    expect(submenu).to_be_hidden()
    page.get_by_role("button", name="就业服务").click()
    expect(submenu).to_be_visible()
    page.screenshot(path=str(SCREENSHOT.with_name("simulator-submenu.png")))
    submenu.get_by_role("button", name="使用帮助").click()
    expect(submenu).to_be_hidden()
    _bot_says(page, "可以帮您")

    page.route(
        "**/wechat?**",
        lambda route: route.fulfill(status=200, content_type="application/xml", body=NEWS_REPLY),
    )
    page.get_by_label("输入消息").fill("招聘会")
    page.get_by_role("button", name="发送", exact=True).click()
    card = page.locator(".card").last
    expect(card.locator(".card-title")).to_have_text("招聘会通知")
    expect(card.locator(".card-desc")).to_have_text("本周六在嘉定区人才市场举行")
    expect(card.locator("a")).to_have_attribute("href", "https://example.org/jobs")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
