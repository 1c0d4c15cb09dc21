"""Staff console: who gets in, who is kept out, and the CSRF and redirect guards.

Helpers here (`csrf_token`, `login`, `login_as`) are shared by the other console tests.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from core.people.models import OPEN, HandoverRequest
from core.staff.accounts import set_password
from core.staff.models import DISTRICT_ADMIN, STATION_STAFF, StaffUser
from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WRONG_LOGIN = "用户名或密码错误。"
THROTTLED = "登录尝试过多，请15分钟后再试。"


def csrf_token(client: FlaskClient, url: str = "/console/login") -> str:
    """The token as a browser would have it: read from the page's form."""
    response = client.get(url)
    assert response.status_code == 200, url
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"csrf_token": csrf_token(client), "username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/console/login", data=data)


def login_as(client: FlaskClient, factories, role: str = DISTRICT_ADMIN) -> StaffUser:
    user = factories.staff(role=role)
    response = login(client, user.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/console/").status_code == 200


PAGES = [
    "/console/",
    "/console/inbox",
    "/console/inbox?status=closed",
    "/console/inbox/1",
    "/console/users",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_login_and_brought_back(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/console/login?next=")
    assert client.get(response.location).status_code == 200


def test_after_login_the_page_asked_for_is_shown(client, factories):
    user = factories.staff()
    login_url = client.get("/console/inbox?status=answered").location
    target = parse_qs(urlsplit(login_url).query)["next"][0]
    response = login(client, user.username, next_url=target)
    assert response.location == "/console/inbox?status=answered"


@pytest.mark.parametrize(
    "url",
    [
        "/console/inbox/1",
        "/console/inbox/1/close",
        "/console/users",
        "/console/users/1/deactivate",
        "/console/logout",
    ],
)
def test_anonymous_posts_are_refused_even_with_a_valid_token(client, factories, db_session, url):
    request_id = factories.handover(factories.person()).id
    token = csrf_token(client)
    response = client.post(url, data={"csrf_token": token, "text": "你好"})
    assert response.status_code == 401
    assert "请先登录" in response.get_data(as_text=True)
    assert db_session.get(HandoverRequest, request_id).status == OPEN


def test_login_with_the_right_password_opens_the_dashboard(client, factories, db_session):
    user = factories.staff("zhang", role=STATION_STAFF)
    response = login(client, "zhang")
    assert response.status_code == 302
    assert response.location == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "zhang" in page
    assert "服务站专员" in page
    assert "待回复的人工请求" in page
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).last_login_at is not None


def test_wrong_password_and_unknown_name_get_the_same_answer(client, factories):
    factories.staff("li")
    wrong = login(client, "li", "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert WRONG_LOGIN in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_too_many_failures_lock_the_name_even_with_the_right_password(client, factories, settings):
    factories.staff("wang")
    for _ in range(settings.login_max_attempts):
        assert login(client, "wang", "guess-guess").status_code == 200
    response = login(client, "wang")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_a_deactivated_user_cannot_log_in(client, factories, db_session):
    user = factories.staff("gone")
    user.is_active = False
    db_session.commit()
    response = login(client, "gone")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_a_user_deactivated_mid_session_is_logged_out(client, factories, db_session):
    user = login_as(client, factories)
    db_session.get(StaffUser, user.id).is_active = False
    db_session.commit()
    response = client.get("/console/inbox")
    assert response.status_code == 302
    assert response.location.startswith("/console/login")
    assert "账号已停用" in client.get(response.location).get_data(as_text=True)


def test_login_starts_a_fresh_session(client, factories):
    user = factories.staff()
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    login(client, user.username)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["staff_id"] == user.id


def test_logout_is_a_post_and_ends_the_session(client, factories):
    login_as(client, factories)
    assert client.get("/console/logout").status_code == 405
    token = csrf_token(client, "/console/")
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "/simulator",
        "/console.evil.example",
    ],
)
def test_login_never_redirects_off_the_console(client, factories, target):
    user = factories.staff()
    response = login(client, user.username, next_url=target)
    assert response.status_code == 302
    assert response.location == "/console/"


def test_csrf_token_is_required_for_login(client, factories):
    user = factories.staff()
    response = client.post("/console/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "请求已失效" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_csrf_token_is_required_for_replies_and_user_creation(client, factories, db_session):
    login_as(client, factories)
    request_id = factories.handover(factories.person()).id
    reply = client.post(f"/console/inbox/{request_id}", data={"text": "您好"})
    create = client.post(
        "/console/users",
        data={"username": "newbie", "password": "long-enough-1", "role": STATION_STAFF},
    )
    forged = client.post(f"/console/inbox/{request_id}/close", data={"csrf_token": "forged-token"})
    assert (reply.status_code, create.status_code, forged.status_code) == (400, 400, 400)
    assert db_session.get(HandoverRequest, request_id).status == OPEN
    assert db_session.query(StaffUser).filter_by(username="newbie").count() == 0


def test_console_pages_are_not_cached_or_framed(client, factories):
    login_as(client, factories)
    response = client.get("/console/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_password_reset_ends_existing_sessions(client, factories, db_session):
    user = login_as(client, factories)
    set_password(db_session.get(StaffUser, user.id), "a-brand-new-password")
    db_session.commit()
    assert client.get("/console/").status_code == 302
