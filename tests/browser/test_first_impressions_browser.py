"""Issue 14, "first impressions", walked in a real Chromium: what a newcomer, a veteran
and a staff member trip over, one test per point of the issue.

Phones are 375 px wide (the simulator and `/m/`), the console 1280 px. Every page a
test opens is also checked for WCAG contrast (tests/browser/contrast.js).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.booking import booking
from core.db import db
from core.jobs.models import Subscription
from core.wechat import links
from tests.booking.conftest import NOW, at
from tests.browser.contrast import assert_readable, low_contrast
from tests.clock import frozen_clock
from tests.factories import PASSWORD

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SHOTS = Path(os.environ.get("FIRST_IMPRESSIONS_SCREENSHOTS", tempfile.gettempdir()))
PHONE_WIDTH = 375
ENGLISH = re.compile(r"Not Found|Method Not Allowed|requested URL")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Wednesday 2 December 2026, 08:00 in Shanghai (tests/booking/conftest.py)."""
    with frozen_clock(monkeypatch, NOW):
        yield


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _in_view(page: Any, selector: str) -> bool:
    """Whether the element's top is on the screen the person sees now."""
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                 return r.top >= 0 && r.top < window.innerHeight; }""",
            selector,
        )
    )


def _sign_in(page: Any, base: str, app: Any, openid: str, path: str) -> None:
    """Open `path` the way the chat's link does (a signed `t`, swapped for the session)."""
    token = links.person_token(app.config["SETTINGS"], openid)
    joiner = "&" if "?" in path else "?"
    page.goto(f"{base}{path}{joiner}t={token}")


def _console_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(re.compile(r"/console/?$"))


def _csp_watch(page: Any) -> list[str]:
    """Console messages about the Content-Security-Policy (a refused script or style)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


# -- 0. the contrast check itself ---------------------------------------------------------


def test_the_contrast_check_finds_grey_on_white_and_passes_black(phone: Any) -> None:
    phone.set_content(
        """<body style="background:#fff">
        <p id="bad" style="color:#999">灰色的字</p>
        <p style="color:#1a1f24">黑色的字</p>
        <div style="background:rgba(0,0,0,.5)"><span style="color:#777">半透明背景上的字</span></div>
        <p style="color:#949494;font-size:24px">大字 3:1 就够</p>
        <p hidden style="color:#eee">看不见的字</p>
        </body>"""
    )
    found = low_contrast(phone)
    assert [f["text"] for f in found] == ["灰色的字", "半透明背景上的字"]
    assert 2.8 < found[0]["ratio"] < 2.9  # #999 on white is 2.85:1


# -- 1. the front door and Chinese refusals -------------------------------------------------


def test_1_front_door_and_chinese_not_found_pages(live_server: str, phone: Any) -> None:
    page = phone
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="嘉定区退役军人就业服务")).to_be_visible()
    for name in ("聊天模拟器", "工作人员工作台", "手机页面"):
        expect(page.get_by_role("link", name=re.compile(name))).to_be_visible()
    _fits_the_phone(page)
    assert_readable(page)

    page.get_by_role("link", name=re.compile("手机页面")).click()
    page.wait_for_url(f"{live_server}/m/")
    for name in ("政策问答", "招聘岗位", "招聘会和活动", "服务站和预约", "我的预约", "我的订阅"):
        expect(page.get_by_role("link", name=re.compile(name))).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("问题可能已经更新或删除")
    _fits_the_phone(page)
    assert_readable(page)

    for path, back in (
        ("/no-such-page", "回到首页"),
        ("/m/no-such-page", "回到服务首页"),
        ("/console/no-such-page", "前往登录"),
    ):
        response = page.goto(live_server + path)
        assert response.status == 404
        expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
        expect(page.get_by_role("link", name=back)).to_be_visible()
        assert not ENGLISH.search(page.content())
        assert_readable(page)


# -- 2. the simulator's first screen --------------------------------------------------------


def test_2_simulator_first_screen_says_to_press_follow(live_server: str, phone: Any) -> None:
    page = phone
    page.goto(live_server + "/simulator")
    welcome = page.locator("#welcome")
    expect(welcome).to_be_visible()
    expect(welcome).to_contain_text("先点下方的“关注”")
    expect(welcome).to_contain_text("帮助")
    follow = page.get_by_role("button", name="关注", exact=True)
    assert "chip-first" in (follow.get_attribute("class") or "")
    _fits_the_phone(page)

    follow.click()
    expect(page.locator(".row.in .bubble").first).to_contain_text("欢迎关注")
    expect(welcome).to_be_hidden()  # the chat has begun: the hint makes way


# -- 3. /m/book keeps the person at their step ---------------------------------------------


def test_3_booking_opens_at_the_step_the_tap_leads_to(
    app: Any, live_server: str, phone: Any, frozen: None, factories: Any
) -> None:
    station = factories.station(name="安亭镇社区就业服务站（示例）", services=(3, 7, 8, 16))
    factories.person("o-steps")
    page = phone
    csp = _csp_watch(page)
    _sign_in(page, live_server, app, "o-steps", f"/m/book?station={station.id}")
    expect(page.get_by_role("heading", name="选择要办理的事项")).to_be_visible()

    page.get_by_role("link", name="政策咨询").click()
    page.wait_for_url(re.compile(r"#step-day$"))
    assert _in_view(page, "#step-day")

    page.locator(".m-day", has_text="12月3日").click()
    page.wait_for_url(re.compile(r"day=2026-12-03.*#step-time$"))
    # The times are on the screen at once, under a heading naming the day tapped.
    assert _in_view(page, "#step-time")
    assert _in_view(page, "a.m-slot")
    expect(page.locator("#step-time")).to_contain_text("12月3日")
    _fits_the_phone(page)
    assert_readable(page)

    page.locator("a.m-slot", has_text="09:30").click()
    page.wait_for_url(re.compile(r"#confirm-title$"))
    assert _in_view(page, "#confirm-title")
    expect(page.locator(".m-confirm")).to_contain_text("12月3日 周四 09:30-10:00")
    assert csp == []  # no script or style refused: anchors need none


# -- 4. personal pages explain how to open them from the chat -----------------------------


def test_4_anonymous_visitors_are_told_how_to_sign_up_and_subscribe(
    live_server: str, phone: Any, factories: Any
) -> None:
    fair = factories.event(title="退役军人专场招聘会（示例）")
    page = phone
    page.goto(f"{live_server}/m/events/{fair.id}")
    expect(page.get_by_role("button", name="我要报名")).to_have_count(0)
    how = page.locator("[data-how]")
    expect(how).to_contain_text("报名请从公众号里打开")
    expect(how).to_contain_text("回复“活动”")
    expect(how).to_contain_text("报名1")
    _fits_the_phone(page)
    assert_readable(page)

    response = page.goto(f"{live_server}/m/subscriptions")
    assert response.status == 403
    assert "预约" not in page.title()
    expect(page.locator(".m-brand")).to_contain_text("订阅")
    steps = page.locator("[data-how]")
    expect(steps).to_contain_text("回复“我的订阅”")
    expect(steps).not_to_contain_text("预约")
    assert_readable(page)

    page.goto(f"{live_server}/m/bookings")
    expect(page.locator("[data-how]")).to_contain_text("回复“预约”或“我的预约”")


def test_4_signed_in_people_get_the_sign_up_button(
    app: Any, live_server: str, phone: Any, factories: Any
) -> None:
    fair = factories.event()
    _sign_in(phone, live_server, app, "o-signup", f"/m/events/{fair.id}")
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".m-notice-done", has_text="您已报名")).to_be_visible()
    assert_readable(phone)


# -- 5. confirmations before destructive actions -------------------------------------------


def test_5_unsubscribing_everything_asks_first_even_without_javascript(
    app: Any, browser: Any, live_server: str, factories: Any, db_session: Any
) -> None:
    from tests.browser.conftest import PHONE

    person = factories.person("o-stop")
    db_session.add(Subscription(person_id=person.id, jobs=True, events=True))
    db_session.commit()
    context = browser.new_context(**PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, live_server, app, "o-stop", "/m/subscriptions")
        save = page.get_by_role("button", name="保存订阅")
        stop = page.get_by_role("link", name="退订全部消息…")
        expect(stop).to_be_visible()
        # Not right under 保存订阅 any more: a clear gap, and a heading of its own between.
        gap = stop.bounding_box()["y"] - (save.bounding_box()["y"] + save.bounding_box()["height"])
        assert gap > 100
        assert_readable(page)

        stop.click()
        expect(page.get_by_role("heading", name="确定退订全部消息吗？")).to_be_visible()
        assert_readable(page)
        page.get_by_role("link", name="不退订，返回").click()
        db_session.expire_all()
        assert _still_subscribed(db_session)

        page.get_by_role("link", name="退订全部消息…").click()
        page.get_by_role("button", name="确认退订全部").click()
        expect(page.locator(".m-notice-done")).to_contain_text("已退订全部消息")
        db_session.expire_all()
        assert not _still_subscribed(db_session)
    finally:
        context.close()


@pytest.fixture
def browser(_browser: Any) -> Any:
    """The session's Chromium, for a test that needs a context of its own."""
    return _browser


def _still_subscribed(db_session: Any) -> bool:
    row = db_session.query(Subscription).one()
    return bool(row.anything)


def test_5_cancelling_in_the_chat_asks_and_numbers_do_not_shift(
    live_server: str, phone: Any, frozen: None, factories: Any, db_session: Any
) -> None:
    station = factories.station(name="安亭镇社区就业服务站（示例）")
    person = factories.person("o-chat-cancel")
    first = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    second = booking.book(db_session, person, station, at(4, 10), 7, NOW)
    db_session.commit()
    first_code, second_code = first.code, second.code
    first_id, second_id = first.id, second.id

    page = phone
    page.goto(live_server + "/simulator")
    page.locator("#identity-toggle").click()
    page.locator("#identity-input").fill("o-chat-cancel")
    page.locator("#identity-save").click()

    def say(text: str) -> str:
        replies = page.locator(".row.in .bubble")
        before = replies.count()
        page.get_by_label("输入消息").fill(text)
        page.get_by_role("button", name="发送", exact=True).click()
        replies.nth(before).wait_for(state="visible")
        return str(replies.nth(before).inner_text())

    assert first_code in say("我的预约")
    asked = say("取消1")
    assert "确认取消这个预约吗" in asked
    assert first_code in asked
    assert "回复 是 / 否" in asked
    assert "预约保留" in say("否")
    assert _status(db_session, first_id) == "active"

    say("取消1")
    assert "已取消" in say("是")
    assert _status(db_session, first_id) == "cancelled"
    # "2" is still the second booking the person saw, not a shifted one.
    asked = say("取消2")
    assert second_code in asked
    assert "已取消" in say("是")
    assert _status(db_session, second_id) == "cancelled"
    db.session.remove()


def _status(db_session: Any, booking_id: int) -> str:
    from core.booking.models import Booking

    db_session.expire_all()
    found = db_session.get(Booking, booking_id)
    assert found is not None
    return str(found.status)


# -- 6. whole cards, real selects, padded checkboxes ---------------------------------------


def test_6_cards_are_tappable_selects_look_like_selects_checkboxes_have_room(
    app: Any, live_server: str, phone: Any, factories: Any
) -> None:
    posting = factories.job_posting(title="汽车装配工（示例）")
    fair = factories.event(title="安亭专场招聘会（示例）")
    page = phone
    page.goto(f"{live_server}/m/jobs")
    card = page.locator(".jb-card", has_text="汽车装配工（示例）")
    box = card.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 20, box["y"] + box["height"] - 12)  # far corner
    page.wait_for_url(f"{live_server}/m/jobs/{posting.id}")

    page.goto(f"{live_server}/m/jobs")
    for select in page.locator("select").all():
        style = select.evaluate(
            "s => [getComputedStyle(s).appearance, getComputedStyle(s).backgroundImage]"
        )
        assert style[0] != "none" or "data:image/svg" in style[1], style  # an arrow shows
    assert_readable(page)

    page.goto(f"{live_server}/m/events")
    card = page.locator(".ev-card", has_text="安亭专场招聘会（示例）")
    box = card.locator(".st-meta").last.bounding_box()  # the seats line, far from the title
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{live_server}/m/events/{fair.id}")

    _sign_in(page, live_server, app, "o-boxes", "/m/subscriptions")
    edges = page.evaluate(
        """() => Array.from(document.querySelectorAll('.sb-form input[type=checkbox]')).map(box =>
             box.getBoundingClientRect().left
             - box.closest('fieldset').getBoundingClientRect().left)"""
    )
    assert edges
    assert min(edges) >= 12  # not flush against the card's edge
    headings = page.evaluate(
        """() => Array.from(document.querySelectorAll('.sb-form fieldset')).map(f =>
             f.querySelector('legend').getBoundingClientRect().top - f.getBoundingClientRect().top)"""
    )
    assert min(headings) >= 8  # each card's heading inside the card, not on its edge
    _fits_the_phone(page)


# -- 7. the console: one-row navigation, contrast everywhere, tables on a phone -----------

CONSOLE_PAGES = [
    "/console/",
    "/console/inbox",
    "/console/bookings",
    "/console/bookings/week",
    "/console/stations",
    "/console/jobs",
    "/console/events",
    "/console/broadcasts",
    "/console/broadcasts/new",
    "/console/faq",
    "/console/faq/unanswered",
    "/console/understanding",
    "/console/users",
]
PHONE_PAGES = [
    "/",
    "/m/",
    "/m/faq",
    "/m/jobs",
    "/m/events",
    "/m/stations",
    "/m/bookings",
    "/m/subscriptions",
    "/m/subscriptions/stop",
]


@pytest.fixture
def busy_world(factories: Any, db_session: Any) -> dict[str, Any]:
    """Enough on every page for its greys to show: a request, a booking, postings, events."""
    station = factories.station(name="嘉定镇街道社区就业服务站（示例）", services=(3, 7, 8))
    person = factories.person("o-busy")
    factories.handover(person, note="想了解创业补贴")
    made = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    factories.job_posting(title="保安（示例）")
    factories.event(title="专场招聘会（示例）")
    admin = factories.staff("admin-long-name")
    admin.display_name = "示例·区级管理员（嘉定区退役军人事务局）"
    db_session.commit()
    return {"station": station.id, "admin": admin.username, "code": made.code}


def test_7_console_navigation_fits_and_every_page_is_readable(
    live_server: str, desktop: Any, frozen: None, busy_world: dict[str, Any]
) -> None:
    page = desktop
    _console_login(page, live_server, busy_world["admin"])
    tops = page.evaluate(
        "Array.from(document.querySelectorAll('.nav a')).map(a => a.getBoundingClientRect().top)"
    )
    assert len(tops) == 10
    assert len(set(tops)) == 1, f"the navigation wraps at 1280 px: {tops}"
    expect(page.locator(".nav .badge").first).to_be_visible()  # with the open-request badge
    station = busy_world["station"]
    for path in CONSOLE_PAGES:
        query = f"?station={station}&day=2026-12-03" if path.startswith("/console/bookings") else ""
        page.goto(live_server + path + query)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert_readable(page)


def test_7_phone_pages_are_readable(
    app: Any, live_server: str, phone: Any, frozen: None, busy_world: dict[str, Any]
) -> None:
    page = phone
    for path in PHONE_PAGES:  # first as a stranger (the "open it from the chat" pages)
        page.goto(live_server + path)
        assert_readable(page)
    _sign_in(page, live_server, app, "o-busy", "/m/bookings")
    for path in [*PHONE_PAGES, f"/m/book?station={busy_world['station']}&service=3"]:
        page.goto(live_server + path)
        _fits_the_phone(page)
        assert_readable(page)


def test_7_console_bookings_table_scrolls_on_a_phone(
    live_server: str, phone: Any, frozen: None, busy_world: dict[str, Any]
) -> None:
    page = phone
    _console_login(page, live_server, busy_world["admin"])
    page.goto(f"{live_server}/console/bookings?station={busy_world['station']}&day=2026-12-03")
    expect(page.locator("table.list")).to_contain_text(busy_world["code"])
    _fits_the_phone(page)  # the page itself is not cut off ...
    wrap = page.locator(".table-wrap").first
    overflow = wrap.evaluate("w => [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX]")
    assert overflow[2] == "auto"
    assert overflow[0] > overflow[1]  # ... the table scrolls sideways inside its frame
    assert_readable(page)
    page.screenshot(path=str(SHOTS / "console_bookings_phone.png"), full_page=True)
