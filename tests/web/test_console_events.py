"""Events in the console (district admins only): create at a station or an address, a
refused form keeps what was typed, capacity never below sign-ups, cancel tells people."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.jobs.models import CANCELLED, Event, EventSignup
from core.staff.models import STATION_STAFF
from core.timeutil import LOCAL_TZ, utcnow
from core.wechat.models import OutboxMessage
from tests.clock import frozen_clock
from tests.jobs.conftest import NOW, event_row
from tests.web.test_console import csrf_token, login_as


@pytest.fixture
def admin(client, factories, monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield login_as(client, factories)


def events(db_session):
    db_session.expire_all()
    return list(db_session.scalars(select(Event).order_by(Event.id)))


def sign_up(db_session, event, person):
    db_session.add(EventSignup(event=event, person=person))
    event.signed_up += 1
    db_session.commit()


def test_event_pages_are_for_district_admins_only(client, factories):
    event = factories.event()
    pages = [
        "/console/events",
        "/console/events/new",
        f"/console/events/{event.id}",
        f"/console/events/{event.id}/signups",
    ]
    login_as(client, factories, role=STATION_STAFF)
    for url in pages:
        page = client.get(url)
        assert page.status_code == 403, url
        assert "无权访问" in page.text, url
    token = csrf_token(client, "/console/")
    cancel = client.post(
        f"/console/events/{event.id}/cancel", data={"csrf_token": token, "reason": "x"}
    )
    assert cancel.status_code == 403
    assert "活动</a>" not in client.get("/console/").text


def test_create_an_event_at_a_station(client, admin, factories, db_session):
    station = factories.station(town="南翔镇", name="南翔测试站")
    page = client.get("/console/events/new").text
    assert "南翔镇 · 南翔测试站" in page
    token = csrf_token(client, "/console/events/new")
    row = event_row(station_id=str(station.id), address="", town="", title="南翔专场招聘会")
    response = client.post("/console/events/new", data={"csrf_token": token, **row})
    assert response.status_code == 302
    [event] = events(db_session)
    assert (event.town, event.capacity) == ("南翔镇", 50)
    listed = client.get("/console/events").text
    assert "南翔专场招聘会" in listed
    assert "2026-12-10 09:30-12:00" in listed
    assert "0 / 50" in listed


def test_a_post_without_the_csrf_token_is_refused(client, admin, db_session):
    response = client.post("/console/events/new", data=event_row())
    assert response.status_code == 400
    assert events(db_session) == []


def test_a_refused_form_keeps_what_was_typed(client, admin, db_session):
    token = csrf_token(client, "/console/events/new")
    row = event_row(ends="08:00", capacity="0", address="", description="介绍文字保留")
    page = client.post("/console/events/new", data={"csrf_token": token, **row})
    assert page.status_code == 200
    assert "结束时间要晚于开始时间" in page.text
    assert "1 到 100000" in page.text
    assert "请选择服务站或填写地址" in page.text
    assert "介绍文字保留" in page.text
    assert 'value="测试招聘会"' in page.text
    assert events(db_session) == []


def test_capacity_below_sign_ups_is_refused(client, admin, factories, db_session):
    month_ahead = utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=30)
    event = factories.event(starts_at=datetime.combine(month_ahead, time(9, 30), tzinfo=LOCAL_TZ))
    for _ in range(2):
        sign_up(db_session, event, factories.person())
    url = f"/console/events/{event.id}"
    token = csrf_token(client, url)
    from core.jobs.event_admin import form_data

    row = form_data(event, NOW) | {"capacity": "1"}
    page = client.post(url, data={"csrf_token": token, **row})
    assert "已有 2 人报名" in page.text
    assert events(db_session)[0].capacity == 50


def test_cancel_tells_those_signed_up_and_says_how_many(client, admin, factories, db_session):
    event = factories.event(title="要取消的招聘会")
    sign_up(db_session, event, factories.person("o-near"))
    sign_up(db_session, event, factories.person("o-far", last_message_at=utcnow() - timedelta(3)))
    url = f"/console/events/{event.id}/signups"
    page = client.get(url).text
    assert "报名名单（2 / 50）" in page
    assert "可以送达" in page
    assert "暂时无法送达" in page
    token = csrf_token(client, url)
    empty = client.post(f"/console/events/{event.id}/cancel", data={"csrf_token": token})
    assert "请填写取消原因" in empty.text
    assert events(db_session)[0].status != CANCELLED

    done = client.post(
        f"/console/events/{event.id}/cancel",
        data={"csrf_token": token, "reason": "场地临时检修"},
        follow_redirects=True,
    )
    assert "已通知 1 人；1 人无法通过微信通知" in done.text
    assert "已取消，原因：场地临时检修" in done.text
    assert events(db_session)[0].status == CANCELLED
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.openid == "o-near"
    assert "场地临时检修" in message.content
    again = client.post(
        f"/console/events/{event.id}/cancel",
        data={"csrf_token": token, "reason": "再来一次"},
        follow_redirects=True,
    )
    assert "已经取消过了" in again.text
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 1
    assert "要取消的招聘会" in client.get("/console/events?show=cancelled").text
