"""Console sessions and production logins (issue 16, items 5 and 9)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from core.staff.accounts import authenticate
from core.staff.models import StaffUser
from tests.web.test_console import csrf_token, login, login_as


def test_production_refuses_a_demo_account_with_its_published_password(
    db_session, factories, settings
):
    factories.staff("admin", password="vetbot-admin")
    production = settings.with_overrides(env="production")
    assert authenticate(db_session, production, "admin", "vetbot-admin", "192.0.2.1") is None
    assert authenticate(db_session, settings, "admin", "vetbot-admin", "192.0.2.2") is not None


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    """Another browser, holding a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_copied_session_cookie_stops_working_after_logout(app, client, factories):
    login_as(client, factories)
    copied = _session_cookie(client)
    assert _with_cookie(app, copied).get("/console/").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    response = _with_cookie(app, copied).get("/console/")
    assert response.status_code == 302
    assert response.location.startswith("/console/login")


def test_logout_ends_the_accounts_other_sessions_but_not_other_accounts(app, factories):
    first, second, colleague = app.test_client(), app.test_client(), app.test_client()
    user = factories.staff()
    for c in (first, second):
        assert login(c, user.username).status_code == 302
    login_as(colleague, factories)
    first.post("/console/logout", data={"csrf_token": csrf_token(first, "/console/")})
    assert second.get("/console/").status_code == 302
    assert colleague.get("/console/").status_code == 200
    assert login(second, user.username).status_code == 302  # logging in again works
    assert second.get("/console/").status_code == 200


def test_a_session_from_before_logout_cannot_post_either(app, client, factories, db_session):
    login_as(client, factories)
    copied = _session_cookie(client)
    thief = _with_cookie(app, copied)
    token = csrf_token(thief, "/console/users")
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    response = thief.post(
        "/console/users",
        data={
            "csrf_token": token,
            "username": "planted",
            "password": "long-enough-1",
            "role": "station_staff",
        },
    )
    assert response.status_code == 401
    assert db_session.query(StaffUser).filter_by(username="planted").count() == 0
