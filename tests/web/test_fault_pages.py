"""Database faults and other failures get Chinese pages on the console and the phone pages
(issue 16, item 9), never werkzeug's English "Internal Server Error"."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from core.people import handover, people
from core.staff import stats
from core.wechat import links
from tests.web.test_console import login_as

BUSY = "系统繁忙"
BROKEN = "系统出错了"


def _locked(*_args: object, **_kwargs: object) -> object:
    raise OperationalError("SELECT 1", {}, Exception("database is locked"))


def _bug(*_args: object, **_kwargs: object) -> object:
    raise RuntimeError("a bug")


@pytest.fixture
def quiet_app(app: Flask) -> Flask:
    """As in production: an unhandled error becomes the 500 page, not a test exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _signed_in(app: Flask, settings):
    client = app.test_client()
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-fault')}")
    return client


def test_a_database_fault_on_the_console_is_a_chinese_503(quiet_app, factories, monkeypatch):
    client = quiet_app.test_client()
    login_as(client, factories)
    monkeypatch.setattr(stats, "dashboard_counts", _locked)
    response = client.get("/console/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert BUSY in html
    assert "Internal Server Error" not in html
    assert response.headers["Retry-After"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_fault_page_itself_needs_no_database(quiet_app, factories, monkeypatch):
    """The nav bar counts open requests: with the database gone that count fails too."""
    client = quiet_app.test_client()
    login_as(client, factories)
    monkeypatch.setattr(handover, "count_open", _locked)
    response = client.get("/console/")
    assert response.status_code == 503
    assert BUSY in response.get_data(as_text=True)


def test_a_database_fault_on_a_phone_page_is_a_chinese_503(quiet_app, settings, monkeypatch):
    client = _signed_in(quiet_app, settings)
    monkeypatch.setattr(people, "get_person", _locked)
    response = client.get("/m/bookings")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert BUSY in html
    assert "人工" in html  # the page's help footer: another way to reach staff


@pytest.mark.parametrize("where", ["console", "mobile"])
def test_any_other_failure_is_a_chinese_500(quiet_app, settings, factories, monkeypatch, where):
    if where == "console":
        client = quiet_app.test_client()
        login_as(client, factories)
        monkeypatch.setattr(stats, "dashboard_counts", _bug)
        url = "/console/"
    else:
        client = _signed_in(quiet_app, settings)
        monkeypatch.setattr(people, "get_person", _bug)
        url = "/m/bookings"
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert BROKEN in html
    assert "Internal Server Error" not in html
