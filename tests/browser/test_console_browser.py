"""The console through a real browser: log in, open the inbox, answer a request."""

from __future__ import annotations

from core.booking import booking
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.factories import PASSWORD

SCREENSHOT = "/tmp/console.png"


def test_staff_log_in_and_answer_a_request(live_server, phone, factories, db_session):
    station = factories.station()
    staff = factories.staff("xuhang", role="station_staff", station_id=station.id)
    person = factories.person("oBrowser-veteran-0001")
    booking.book(db_session, person, station, at(3, 10), 3, now=NOW)  # one of this station's
    db_session.commit()
    request = factories.handover(person, note="想了解创业补贴")

    phone.goto(f"{live_server}/console/inbox")
    assert "/console/login" in phone.url  # sent to log in first
    phone.fill("input[name=username]", staff.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button:has-text('登录')")

    phone.wait_for_url(f"{live_server}/console/inbox")  # and brought back
    phone.click(f"a[href='/console/inbox/{request.id}']")
    phone.get_by_text("想了解创业补贴").first.wait_for()
    phone.fill("textarea[name=text]", "您好，创业补贴的申请材料我稍后发给您。")
    phone.click("button:has-text('发送')")

    phone.get_by_text("已发送").wait_for()
    phone.screenshot(path=SCREENSHOT, full_page=True)
    sent = db_session.query(OutboxMessage).filter_by(openid="oBrowser-veteran-0001").all()
    assert [m.content for m in sent] == ["您好，创业补贴的申请材料我稍后发给您。"]
