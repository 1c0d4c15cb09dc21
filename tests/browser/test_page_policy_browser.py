"""The pages' Content-Security-Policy in a real browser (issue 16, item 9): nothing a page
needs is blocked. Chromium reports every blocked script, style or image on the console;
the inline scripts (with their nonce) and the data- attributes that replaced inline
handlers (static/console.js) must still work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.broadcast.models import CANCELLED, SCHEDULED, SEG_ALL, Broadcast
from core.timeutil import utcnow
from core.wechat import links
from tests.factories import PASSWORD


@pytest.fixture
def watched(phone: Any) -> tuple[Any, list[str]]:
    """The page, and every policy violation or script error the browser reports on it."""
    problems: list[str] = []
    phone.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    phone.on("pageerror", lambda exc: problems.append(str(exc)))
    phone.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return phone, problems


def _log_in(page: Any, live_server: str, username: str, target: str) -> None:
    page.goto(f"{live_server}{target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{live_server}{target}")


def test_console_pages_run_their_scripts_under_the_policy(
    live_server, watched, factories, db_session
):
    page, problems = watched
    admin = factories.staff("cspadmin")
    first = factories.station(name="甲服务站")
    second = factories.station(name="乙服务站")
    request = factories.handover(factories.person("oCsp-person-0001"), note="请回电")
    broadcast = Broadcast(
        title="测试推送",
        body="内容",
        segment=SEG_ALL,
        status=SCHEDULED,
        send_at=utcnow() + timedelta(days=1),
    )
    db_session.add(broadcast)
    db_session.commit()

    _log_in(page, live_server, admin.username, "/console/")
    for url in ("/console/", "/console/inbox", "/console/stations", "/console/jobs"):
        page.goto(f"{live_server}{url}")

    # Inline script with the response's nonce: the FAQ answer's live character count.
    page.goto(f"{live_server}/console/faq/new")
    page.fill("#answer", "十个字的回答内容啊啊")
    assert page.locator("#answer-count span").inner_text() == "10"

    # <select data-autosubmit>: choosing a station reloads the bookings for it.
    page.goto(f"{live_server}/console/bookings?station={first.id}")
    page.select_option("select[name=station]", str(second.id))
    page.wait_for_url(f"**station={second.id}**")

    # <form data-confirm>: declining keeps the broadcast, accepting cancels it.
    page.goto(f"{live_server}/console/broadcasts/{broadcast.id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('取消发送')")
    db_session.refresh(broadcast)
    assert broadcast.status == SCHEDULED
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('取消发送')")
    page.wait_for_load_state()
    page.get_by_text("已取消").first.wait_for()
    db_session.refresh(broadcast)
    assert broadcast.status == CANCELLED

    # <form data-disable-on-submit>: the reply is sent once.
    page.goto(f"{live_server}/console/inbox/{request.id}")
    page.fill("textarea[name=text]", "您好，我们稍后回电。")
    page.click("button:has-text('发送')")
    page.get_by_text("已发送").wait_for()

    assert problems == []


def test_phone_pages_load_under_the_policy(live_server, watched, settings, factories):
    page, problems = watched
    station = factories.station(name="丙服务站")
    token = links.person_token(settings, "oCsp-phone-0001")
    page.goto(f"{live_server}/m/bookings?t={token}")
    for url in (
        "/m/bookings",
        f"/m/book?station={station.id}",
        "/m/stations",
        f"/m/stations/{station.id}",
        "/m/faq",
        "/m/jobs",
        "/m/events",
        "/m/subscriptions",
    ):
        page.goto(f"{live_server}{url}")
    assert problems == []
