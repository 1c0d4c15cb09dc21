"""Staff and personal data: station staff see only their station's people and handovers,
and every look at or change of a person's data is in the audit log that only district
admins can read."""

from __future__ import annotations

from sqlalchemy import select

from core.booking import booking
from core.booking.models import Station
from core.people.models import OPEN, HandoverRequest
from core.staff.models import STATION_STAFF, AuditEntry
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.web.test_console import csrf_token, login, login_as


def booked_at(db_session, factories, station_id: int, openid: str | None = None):
    person = factories.person(openid)
    station = db_session.get(Station, station_id)
    made = booking.book(db_session, person, station, at(3, 10), 3, now=NOW)
    db_session.commit()
    return person, made


def station_staff(client, factories, station_id: int | None):
    user = factories.staff(role=STATION_STAFF, station_id=station_id)
    assert login(client, user.username).status_code == 302
    return user


def entries(db_session) -> list[AuditEntry]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# --- station staff see only their station's handovers (regression: they saw all) -----------


def test_station_staff_cannot_read_or_answer_another_stations_handover(
    client, factories, db_session
):
    ours, theirs = factories.station(name="安亭站").id, factories.station(name="南翔站").id
    mine, _ = booked_at(db_session, factories, ours, "o-ours-0001")
    other, _ = booked_at(db_session, factories, theirs, "o-theirs-0001")
    walk_in = factories.person("o-nobody-0001")  # booked nowhere: the district's alone
    my_request = factories.handover(mine, note="本站的人的请求")
    their_request = factories.handover(other, note="别的站的人的请求")
    unbooked = factories.handover(walk_in, note="没有预约的人的请求")
    their_id, unbooked_id = their_request.id, unbooked.id
    station_staff(client, factories, ours)

    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert my_request.note in inbox
    assert "别的站的人的请求" not in inbox
    assert "没有预约的人的请求" not in inbox
    assert '<span class="badge" title="待回复">1</span>' in inbox
    for request_id in (their_id, unbooked_id):
        assert client.get(f"/console/inbox/{request_id}").status_code == 404
        token = csrf_token(client, "/console/inbox")
        reply = client.post(
            f"/console/inbox/{request_id}", data={"csrf_token": token, "text": "您好"}
        )
        assert reply.status_code == 404
        close = client.post(f"/console/inbox/{request_id}/close", data={"csrf_token": token})
        assert close.status_code == 404
    db_session.expire_all()
    assert db_session.get(HandoverRequest, their_id).status == OPEN
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_station_staff_without_a_station_see_no_handovers(client, factories, db_session):
    station_id = factories.station().id
    person, _ = booked_at(db_session, factories, station_id)
    request_id = factories.handover(person, note="某人的请求").id
    station_staff(client, factories, None)
    assert "某人的请求" not in client.get("/console/inbox").get_data(as_text=True)
    assert client.get(f"/console/inbox/{request_id}").status_code == 404


def test_district_admins_still_see_every_handover(client, factories, db_session):
    station_id = factories.station().id
    person, _ = booked_at(db_session, factories, station_id)
    factories.handover(person, note="有预约的人")
    factories.handover(factories.person(), note="没预约的人")
    login_as(client, factories)
    inbox = client.get("/console/inbox").get_data(as_text=True)
    assert "有预约的人" in inbox
    assert "没预约的人" in inbox


# --- the audit log ------------------------------------------------------------------------


def test_opening_and_answering_a_handover_are_audited(client, factories, db_session):
    person = factories.person("o-audited-0001")
    request_id, person_id = factories.handover(person).id, person.id
    admin = login_as(client, factories)
    client.get(f"/console/inbox/{request_id}")
    token = csrf_token(client, f"/console/inbox/{request_id}")
    client.post(f"/console/inbox/{request_id}", data={"csrf_token": token, "text": "您好"})
    client.post(f"/console/inbox/{request_id}/close", data={"csrf_token": token})
    seen = [(e.action, e.person_id, e.staff_username) for e in entries(db_session)]
    assert ("handover.view", person_id, admin.username) in seen
    assert ("handover.reply", person_id, admin.username) in seen
    assert ("handover.close", person_id, admin.username) in seen


def test_booking_lists_exports_and_changes_are_audited(client, factories, db_session):
    station_id = factories.station(name="审计站").id
    person, made = booked_at(db_session, factories, station_id)
    person_id, booking_id = person.id, made.id
    user = station_staff(client, factories, station_id)
    client.get("/console/bookings?day=2026-12-03")
    client.get("/console/bookings.csv?day=2026-12-03")
    token = csrf_token(client, "/console/bookings")
    client.post(
        f"/console/bookings/{booking_id}/cancel", data={"csrf_token": token, "reason": "测试"}
    )
    seen = {(e.action, e.person_id) for e in entries(db_session)}
    assert ("bookings.view", None) in seen
    assert ("bookings.export", None) in seen
    assert ("booking.change", person_id) in seen
    assert all(e.staff_username == user.username for e in entries(db_session))
    assert any("审计站" in e.detail for e in entries(db_session))


def test_event_signup_lists_are_audited(client, factories, db_session):
    event_id = factories.event(title="审计招聘会").id
    login_as(client, factories)
    client.get(f"/console/events/{event_id}/signups")
    assert [e.action for e in entries(db_session)] == ["signups.view"]


def test_district_admins_read_the_audit_log_and_station_staff_cannot(client, factories, db_session):
    person = factories.person()
    request_id, person_id = factories.handover(person).id, person.id
    login_as(client, factories)
    client.get(f"/console/inbox/{request_id}")
    page = client.get("/console/audit").get_data(as_text=True)
    assert "查看人工请求及聊天记录" in page
    assert f"人工请求 #{request_id}" in page
    filtered = client.get(f"/console/audit?person={person_id}").get_data(as_text=True)
    assert f"人工请求 #{request_id}" in filtered
    assert "暂无记录" in client.get("/console/audit?person=999999").get_data(as_text=True)
    assert "/console/audit" in client.get("/console/users").get_data(as_text=True)

    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    station_staff(client, factories, None)
    refused = client.get("/console/audit")
    assert refused.status_code == 403
    assert "仅限区级管理员" in refused.get_data(as_text=True)


def test_the_audit_page_takes_odd_filters_calmly(client, factories):
    login_as(client, factories)
    for query in ("person=abc", "person=-1", "staff=" + "x" * 500, "person=%00"):
        assert client.get(f"/console/audit?{query}").status_code == 200
