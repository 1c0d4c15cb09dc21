"""A broadcast through a real browser: compose, preview the plan, send, watch the bar reach 100 %."""

from __future__ import annotations

import threading

from core.broadcast import send as broadcast_send
from core.db import db
from core.jobs.models import Subscription
from core.wechat.models import OutboxMessage
from tests.factories import PASSWORD

SCREENSHOT = "/tmp/console-broadcast.png"


def test_compose_preview_send_and_watch_progress(live_server, phone, factories, db_session, app):
    admin = factories.staff("bcadmin")
    for n in range(3):
        person = factories.person(f"oBrowser-anting-{n}")
        db_session.add(Subscription(person_id=person.id, jobs=True, towns=["安亭镇"]))
    other = factories.person("oBrowser-nanxiang")
    db_session.add(Subscription(person_id=other.id, jobs=True, towns=["南翔镇"]))
    db_session.commit()

    phone.goto(f"{live_server}/console/broadcasts/new")
    phone.fill("input[name=username]", admin.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button:has-text('登录')")
    phone.wait_for_url(f"{live_server}/console/broadcasts/new")

    phone.fill("input[name=title]", "安亭镇专场招聘会")
    phone.fill("textarea[name=body]", "本周六上午9点，安亭镇，欢迎退役军人朋友参加。")
    phone.check("input[name=segment][value=town]")
    phone.select_option("select[name=town]", "安亭镇")
    phone.click("button:has-text('预览发送计划')")
    phone.get_by_text("共 3 人").wait_for()
    phone.click("button:has-text('确认发送给 3 人')")
    phone.get_by_role("heading", name="进度").wait_for()

    def send() -> None:  # what the scheduler's dispatcher does every few seconds
        try:
            broadcast_send.dispatch(db.session(), app.config["SETTINGS"])
        finally:
            db.session.remove()

    worker = threading.Thread(target=send)
    worker.start()
    phone.locator("#percent", has_text="100%").wait_for(timeout=20_000)
    worker.join(timeout=20)
    phone.get_by_text("已发送（按方式）").wait_for()  # the final report, after the page reloads
    assert "已完成" in phone.locator("#status").inner_text()
    phone.screenshot(path=SCREENSHOT, full_page=True)

    sent = sorted(m.openid for m in db_session.query(OutboxMessage))
    assert sent == [f"oBrowser-anting-{n}" for n in range(3)]
