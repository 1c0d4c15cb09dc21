"""Staff accounts page: district admins only; creating, deactivating, reactivating."""

from __future__ import annotations

from core.staff.models import DISTRICT_ADMIN, STATION_STAFF, StaffUser
from tests.web.test_console import csrf_token, login, login_as

NEW_PASSWORD = "station-pass-2024"


def create(client, **fields: str):
    data = {
        "username": "",
        "display_name": "",
        "role": STATION_STAFF,
        "password": NEW_PASSWORD,
        "station_id": "",
    }
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/console/users")
    return client.post("/console/users", data=data)


def post_action(client, url: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/console/")})


def test_station_staff_get_a_chinese_403_on_admin_pages(client, factories):
    login_as(client, factories, role=STATION_STAFF)
    other = factories.staff(role=STATION_STAFF)
    page = client.get("/console/users")
    assert page.status_code == 403
    assert "无权访问" in page.get_data(as_text=True)
    token = csrf_token(client, "/console/")
    forged = {
        "csrf_token": token,
        "username": "x",
        "password": NEW_PASSWORD,
        "role": DISTRICT_ADMIN,
    }
    assert client.post("/console/users", data=forged).status_code == 403
    assert client.post(f"/console/users/{other.id}/deactivate", data=forged).status_code == 403


def test_admin_sees_every_account(client, factories):
    admin = login_as(client, factories)
    station = factories.staff("jiading-1", role=STATION_STAFF, station_id=factories.station().id)
    response = client.get("/console/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert admin.username in page
    assert station.username in page
    assert "服务站专员" in page
    assert "区级管理员" in page


def test_admin_creates_a_user_who_can_then_log_in(client, factories, db_session):
    login_as(client, factories)
    station_id = factories.station().id
    response = create(
        client, username="nanxiang", display_name="南翔站 陈", station_id=str(station_id)
    )
    assert response.status_code == 302
    assert "已创建用户 nanxiang" in client.get(response.location).get_data(as_text=True)
    user = db_session.query(StaffUser).filter_by(username="nanxiang").one()
    assert (user.role, user.station_id, user.display_name) == (
        STATION_STAFF,
        station_id,
        "南翔站 陈",
    )
    assert user.password_hash != NEW_PASSWORD
    post_action(client, "/console/logout")
    assert login(client, "nanxiang", NEW_PASSWORD).status_code == 302


def test_service_errors_are_shown_on_the_form(client, factories, db_session):
    admin = login_as(client, factories)
    short = create(client, username="shorty", password="short")
    assert short.status_code == 200
    assert "密码至少需要" in short.get_data(as_text=True)
    taken = create(client, username=admin.username)
    assert taken.status_code == 200
    assert "已存在" in taken.get_data(as_text=True)
    bad_station = create(client, username="station-x", station_id="abc")
    assert "服务站编号须为数字" in bad_station.get_data(as_text=True)
    names = {u.username for u in db_session.query(StaffUser)}
    assert names == {admin.username}


def test_deactivate_and_reactivate_another_user(client, factories, db_session):
    login_as(client, factories)
    other = factories.staff("leaving", role=STATION_STAFF)
    assert post_action(client, f"/console/users/{other.id}/deactivate").status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffUser, other.id).is_active is False
    assert post_action(client, f"/console/users/{other.id}/activate").status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffUser, other.id).is_active is True


def test_an_admin_cannot_deactivate_themself(client, factories, db_session):
    admin = login_as(client, factories)
    response = post_action(client, f"/console/users/{admin.id}/deactivate")
    assert "不能停用自己的账号" in client.get(response.location).get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(StaffUser, admin.id).is_active is True
