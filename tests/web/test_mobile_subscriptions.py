"""`/m/subscriptions`: the chat's choices on a page, for the person on it only."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from core.config import Settings
from core.jobs.models import Subscription
from core.people.models import Person
from core.wechat import links

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: FlaskClient, settings: Settings, openid: str) -> None:
    response = client.get(f"/m/subscriptions?t={links.person_token(settings, openid)}")
    assert response.status_code == 302


def csrf(client: FlaskClient) -> str:
    match = _TOKEN.search(client.get("/m/subscriptions").get_data(as_text=True))
    assert match
    return match.group(1)


def row(db_session, openid: str) -> Subscription | None:
    db_session.expire_all()
    return db_session.scalar(
        select(Subscription)
        .join(Person, Person.id == Subscription.person_id)
        .where(Person.openid == openid)
    )


def test_save_and_show_the_choices(client, settings, db_session):
    sign_in(client, settings, "o-sp")
    assert "您目前没有订阅任何消息" in client.get("/m/subscriptions").get_data(as_text=True)
    form = {
        "csrf_token": csrf(client),
        "jobs": "1",
        "town": ["安亭镇", "江桥镇"],
        "industry": ["物流运输"],
        "events": "1",
        "digest": "1",
    }
    assert client.post("/m/subscriptions", data=form).status_code == 302
    html = client.get("/m/subscriptions").get_data(as_text=True)
    assert "订阅已保存" in html
    assert "安亭镇、江桥镇" in html
    assert 'value="安亭镇" checked' in html
    assert 'value="外冈镇" checked' not in html
    saved = row(db_session, "o-sp")
    assert saved.jobs
    assert saved.events
    assert saved.digest
    assert saved.industries == ["物流运输"]


def test_an_unknown_town_is_refused_with_the_form_kept(client, settings, db_session):
    sign_in(client, settings, "o-bad")
    form = {"csrf_token": csrf(client), "jobs": "1", "town": ["安亭镇", "火星镇"]}
    response = client.post("/m/subscriptions", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "没有这个街镇：火星镇" in html
    assert 'value="安亭镇" checked' in html
    assert row(db_session, "o-bad") is None


def test_stop_everything_is_asked_first(client, settings, db_session):
    sign_in(client, settings, "o-stop")
    client.post("/m/subscriptions", data={"csrf_token": csrf(client), "events": "1"})
    page = client.get("/m/subscriptions").get_data(as_text=True)
    assert 'href="/m/subscriptions/stop"' in page  # a link to the question, not a one-tap form
    assert 'action="/m/subscriptions/stop"' not in page
    question = client.get("/m/subscriptions/stop").get_data(as_text=True)
    assert "确定退订全部消息吗" in question
    assert 'name="confirm" value="yes"' in question
    assert row(db_session, "o-stop").events is True  # asking changes nothing

    client.post("/m/subscriptions/stop", data={"csrf_token": csrf(client), "confirm": "yes"})
    saved = row(db_session, "o-stop")
    assert saved is not None
    assert not saved.anything


def test_a_stop_without_the_confirmation_changes_nothing(client, settings, db_session):
    """An old page's one-tap button (or any post without confirm=yes) only asks."""
    sign_in(client, settings, "o-keep")
    client.post("/m/subscriptions", data={"csrf_token": csrf(client), "events": "1"})
    response = client.post("/m/subscriptions/stop", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/m/subscriptions/stop")
    db_session.expire_all()
    assert row(db_session, "o-keep").events is True


def test_needs_the_person_and_never_shows_anothers(client, settings, factories, db_session):
    assert client.get("/m/subscriptions").status_code == 403
    owner = factories.person("o-owner")
    db_session.add(Subscription(person_id=owner.id, jobs=True, towns=["外冈镇"]))
    db_session.commit()
    sign_in(client, settings, "o-someone-else")
    html = client.get("/m/subscriptions").get_data(as_text=True)
    assert "街镇：外冈镇" not in html
    assert "没有订阅任何消息" in html
    client.post("/m/subscriptions/stop", data={"csrf_token": csrf(client), "confirm": "yes"})
    assert row(db_session, "o-owner").jobs is True


def test_opened_outside_the_chat_it_says_how_to_open_subscriptions(client):
    response = client.get("/m/subscriptions")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<title>请从公众号打开 · " in html
    assert "· 订阅</a>" in html  # the header's section, not 预约
    assert "回复<strong>“我的订阅”</strong>" in html
    assert "“预约”" not in html
    assert client.get("/m/subscriptions/stop").status_code == 403
