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


def test_stop_everything(client, settings, db_session):
    sign_in(client, settings, "o-stop")
    client.post("/m/subscriptions", data={"csrf_token": csrf(client), "events": "1"})
    client.post("/m/subscriptions/stop", data={"csrf_token": csrf(client)})
    saved = row(db_session, "o-stop")
    assert saved is not None
    assert not saved.anything


def test_needs_the_person_and_never_shows_anothers(client, settings, factories, db_session):
    assert client.get("/m/subscriptions").status_code == 403
    owner = factories.person("o-owner")
    db_session.add(Subscription(person_id=owner.id, jobs=True, towns=["外冈镇"]))
    db_session.commit()
    sign_in(client, settings, "o-someone-else")
    html = client.get("/m/subscriptions").get_data(as_text=True)
    assert "街镇：外冈镇" not in html
    assert "没有订阅任何消息" in html
    client.post("/m/subscriptions/stop", data={"csrf_token": csrf(client)})
    assert row(db_session, "o-owner").jobs is True
