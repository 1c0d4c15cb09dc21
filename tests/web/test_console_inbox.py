"""The 人工 inbox: what staff see, and what a reply does (or, refused, does not do)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.booking.models import Station
from core.chatlog.messages import log_outbound
from core.chatlog.models import IN, MessageLog
from core.people.models import ANSWERED, CLOSED, OPEN, HandoverRequest
from core.staff.models import STATION_STAFF
from core.timeutil import utcnow
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.web.test_console import csrf_token, login, login_as

OPENID = "oVeteran-1234567890-abcdef"


def booked_person(db_session, factories, station, openid=None):
    """A person who booked at `station`: that booking makes them the station's."""
    from core.booking import booking

    person = factories.person(openid)
    booking.book(db_session, person, station, at(3, 10), 3, now=NOW)
    db_session.commit()
    return person


def staff_and_person(client, factories, db_session, role, openid=None):
    """Logged in as `role`; a person the account may see (station staff: one who booked
    at their station)."""
    if role != STATION_STAFF:
        return login_as(client, factories, role=role), factories.person(openid)
    station_id = factories.station().id
    user = factories.staff(role=STATION_STAFF, station_id=station_id)
    assert login(client, user.username).status_code == 302
    station = db_session.get(Station, station_id)  # the login's request ended the session
    return user, booked_person(db_session, factories, station, openid)


def outbox_for(db_session, openid: str) -> list[OutboxMessage]:
    return db_session.query(OutboxMessage).filter_by(openid=openid).all()


def send(client, request_id: int, text: str):
    token = csrf_token(client, f"/console/inbox/{request_id}")
    return client.post(f"/console/inbox/{request_id}", data={"csrf_token": token, "text": text})


@pytest.mark.parametrize("role", ["district_admin", STATION_STAFF])
def test_inbox_lists_open_requests_with_short_openid_local_time_and_note(
    client, factories, db_session, role
):
    _, person = staff_and_person(client, factories, db_session, role, OPENID)
    item = factories.handover(person, note="想找驾驶员的工作")
    item.created_at = datetime(2024, 5, 1, 2, 30, tzinfo=UTC)
    db_session.commit()
    page = client.get("/console/inbox").get_data(as_text=True)
    assert "oVeter…cdef" in page
    assert "2024-05-01 10:30" in page  # Shanghai time, not UTC
    assert "想找驾驶员的工作" in page
    assert f"/console/inbox/{item.id}" in page


def test_inbox_filters_by_status_newest_first(client, factories, db_session):
    login_as(client, factories)
    older = factories.handover(factories.person(), note="较早的请求")
    newer = factories.handover(factories.person(), note="较新的请求")
    done = factories.handover(factories.person(), note="已经回复的请求")
    older.created_at = utcnow() - timedelta(hours=2)
    done.status = ANSWERED
    db_session.commit()
    open_page = client.get("/console/inbox").get_data(as_text=True)
    assert open_page.index(newer.note) < open_page.index(older.note)
    assert done.note not in open_page
    answered_page = client.get("/console/inbox?status=answered").get_data(as_text=True)
    assert done.note in answered_page
    assert newer.note not in answered_page
    assert "暂无" in client.get("/console/inbox?status=closed").get_data(as_text=True)


def test_request_page_shows_history_and_open_window(client, factories, db_session):
    login_as(client, factories)
    person = factories.person(OPENID)
    item = factories.handover(person)
    db_session.add(MessageLog(person=person, direction=IN, msg_type="text", content="我想找工作"))
    log_outbound(
        db_session,
        person,
        msg_type="text",
        content="请问您想找哪类工作？",
        channel="passive",
        handler="jobs.search",
    )
    db_session.commit()
    page = client.get(f"/console/inbox/{item.id}").get_data(as_text=True)
    assert "我想找工作" in page
    assert "请问您想找哪类工作？" in page
    assert "jobs.search" in page
    assert "窗口开启中" in page
    assert "可回复至" in page


def test_reply_inside_the_window_is_sent_and_marks_the_request_answered(
    client, factories, db_session
):
    staff, person = staff_and_person(client, factories, db_session, STATION_STAFF, OPENID)
    item = factories.handover(person)
    response = send(client, item.id, "您好，我是嘉定区服务站的工作人员。")
    assert response.status_code == 302
    assert "已发送" in client.get(response.location).get_data(as_text=True)
    db_session.expire_all()
    assert [m.content for m in outbox_for(db_session, OPENID)] == [
        "您好，我是嘉定区服务站的工作人员。"
    ]
    request = db_session.get(HandoverRequest, item.id)
    assert request.status == ANSWERED
    assert request.answered_by_id == staff.id
    page = client.get(f"/console/inbox/{item.id}").get_data(as_text=True)
    assert "人工回复" in page


def test_reply_outside_the_window_is_refused_and_the_text_kept(client, factories, db_session):
    login_as(client, factories)
    person = factories.person(OPENID, last_message_at=utcnow() - timedelta(days=3))
    item = factories.handover(person)
    page = client.get(f"/console/inbox/{item.id}").get_data(as_text=True)
    assert "已超出微信48小时客服消息时限" in page  # warned before typing
    response = send(client, item.id, "这条消息发不出去")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未发送" in body
    assert "48小时" in body
    assert "这条消息发不出去</textarea>" in body
    db_session.expire_all()
    assert db_session.get(HandoverRequest, item.id).status == OPEN
    assert outbox_for(db_session, OPENID) == []


def test_reply_to_someone_who_unsubscribed_is_refused(client, factories, db_session):
    login_as(client, factories)
    item = factories.handover(factories.person(OPENID, subscribed=False))
    body = send(client, item.id, "您好").get_data(as_text=True)
    assert "取消关注" in body
    assert outbox_for(db_session, OPENID) == []


@pytest.mark.parametrize(
    ("text", "error"), [("   ", "请填写回复内容。"), ("字" * 601, "回复不能超过600个字。")]
)
def test_empty_or_too_long_replies_are_not_sent(client, factories, db_session, text, error):
    login_as(client, factories)
    item = factories.handover(factories.person(OPENID))
    response = send(client, item.id, text)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert outbox_for(db_session, OPENID) == []


def test_a_reply_of_exactly_600_characters_with_newlines_is_accepted(client, factories, db_session):
    login_as(client, factories)
    item = factories.handover(factories.person(OPENID))
    text = "\r\n".join(["字" * 99] * 6) + "字"  # 605 sent, 600 once a newline counts as one
    assert len(text) == 605
    assert len(text.replace("\r\n", "\n")) == 600
    assert send(client, item.id, text).status_code == 302
    assert len(outbox_for(db_session, OPENID)) == 1


def test_close_button_closes_the_request(client, factories, db_session):
    staff, person = staff_and_person(client, factories, db_session, STATION_STAFF)
    item = factories.handover(person)
    token = csrf_token(client, f"/console/inbox/{item.id}")
    response = client.post(f"/console/inbox/{item.id}/close", data={"csrf_token": token})
    assert response.status_code == 302
    db_session.expire_all()
    request = db_session.get(HandoverRequest, item.id)
    assert request.status == CLOSED
    assert request.answered_by_id == staff.id
    assert "已关闭该请求" in client.get(response.location).get_data(as_text=True)


def test_a_closed_request_cannot_be_replied_to(client, factories, db_session):
    login_as(client, factories)
    item = factories.handover(factories.person(OPENID))
    item.status = CLOSED
    db_session.commit()
    assert "发送</button>" not in client.get(f"/console/inbox/{item.id}").get_data(as_text=True)
    assert send(client, item.id, "还在吗？").status_code == 409
    assert outbox_for(db_session, OPENID) == []


def test_unknown_request_is_a_chinese_404(client, factories):
    login_as(client, factories)
    response = client.get("/console/inbox/999999")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_nav_shows_name_role_and_open_count(client, factories, db_session):
    staff, person = staff_and_person(client, factories, db_session, STATION_STAFF)
    factories.handover(person)
    station = db_session.get(Station, staff.station_id)
    factories.handover(booked_person(db_session, factories, station))
    factories.handover(factories.person())  # nobody of this station's: not counted
    page = client.get("/console/").get_data(as_text=True)
    assert "服务站专员" in page
    assert '<span class="badge" title="待回复">2</span>' in page
    assert "/console/users" not in page  # station staff do not see the admin link
