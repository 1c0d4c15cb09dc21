"""Who a phone page acts for (issue 16, item 9): a chat link's identity lasts as long as
the link, never longer, and another person's link does not silently take over."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from core.wechat import links
from core.wechat.links import LINK_MAX_AGE_SECONDS
from web.mobile import identity

DAY = 24 * 3600
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_signed_at(monkeypatch: pytest.MonkeyPatch, settings, openid: str, at: int) -> str:
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: at)
        return links.person_token(settings, openid)


def signed_in_as(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get(identity.OPENID_KEY)


def cookie_expires(client: FlaskClient) -> datetime:
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None
    return cookie.expires


def test_a_link_identity_ends_when_the_link_does(client, settings, factories, monkeypatch):
    factories.person("o-alice")
    signed = int(time.time()) - 6 * DAY  # a week-long link, opened on its sixth day
    link_ends = signed + LINK_MAX_AGE_SECONDS
    token = token_signed_at(monkeypatch, settings, "o-alice", signed)
    assert client.get(f"/m/bookings?t={token}").status_code == 302
    assert client.get("/m/bookings").status_code == 200
    assert cookie_expires(client) <= datetime.fromtimestamp(link_ends, UTC)
    monkeypatch.setattr(identity, "_now", lambda: link_ends + 1)
    response = client.get("/m/bookings")
    assert response.status_code == 403
    assert "请从公众号里打开这个页面" in response.get_data(as_text=True)


def test_using_the_pages_does_not_roll_the_cookie_past_the_link(
    client, settings, factories, monkeypatch
):
    factories.person("o-alice")
    signed = int(time.time()) - 5 * DAY
    token = token_signed_at(monkeypatch, settings, "o-alice", signed)
    client.get(f"/m/bookings?t={token}")
    for _ in range(3):
        assert client.get("/m/bookings").status_code == 200
        assert client.get("/m/subscriptions").status_code == 200
        assert cookie_expires(client) <= datetime.fromtimestamp(signed + LINK_MAX_AGE_SECONDS, UTC)


def test_a_newer_link_of_the_same_person_lasts_as_long_as_it(client, settings, monkeypatch):
    old = int(time.time()) - 6 * DAY
    client.get(f"/m/bookings?t={token_signed_at(monkeypatch, settings, 'o-alice', old)}")
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-alice')}")
    assert signed_in_as(client) == "o-alice"
    assert cookie_expires(client) > datetime.fromtimestamp(old + LINK_MAX_AGE_SECONDS, UTC)


def test_someone_elses_link_asks_before_taking_over(client, settings, factories):
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-alice')}")
    response = client.get(f"/m/book?station=7&t={links.person_token(settings, 'o-bob')}")
    assert response.status_code == 302
    assert response.location == "/m/switch"  # the other person's token leaves the address
    assert signed_in_as(client) == "o-alice"
    page = client.get("/m/switch")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "另一位微信用户" in html
    assert "继续使用我的身份" in html
    assert "o-bob" not in html
    assert "o-alice" not in html
    assert signed_in_as(client) == "o-alice"  # looking at the question changes nothing


def _choose(client: FlaskClient, choice: str):
    token = _TOKEN.search(client.get("/m/switch").get_data(as_text=True))
    assert token
    return client.post("/m/switch", data={"csrf_token": token.group(1), "choice": choice})


def test_keeping_my_identity_goes_on_to_the_page_as_me(client, settings):
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-alice')}")
    client.get(f"/m/book?station=7&t={links.person_token(settings, 'o-bob')}")
    response = _choose(client, "keep")
    assert response.status_code == 302
    assert response.location == "/m/book?station=7"
    assert signed_in_as(client) == "o-alice"
    assert client.get("/m/switch").status_code == 302  # nothing left pending


def test_switching_is_an_explicit_choice(client, settings):
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-alice')}")
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-bob')}")
    response = _choose(client, "switch")
    assert response.location == "/m/bookings"
    assert signed_in_as(client) == "o-bob"


def test_switching_cannot_be_forced_from_another_site(client, settings):
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-alice')}")
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-bob')}")
    response = client.post("/m/switch", data={"choice": "switch"})  # no CSRF token
    assert response.status_code == 400
    assert signed_in_as(client) == "o-alice"


def test_without_an_identity_a_link_is_taken_at_once(client, settings):
    response = client.get(f"/m/bookings?t={links.person_token(settings, 'o-bob')}")
    assert response.location == "/m/bookings"
    assert signed_in_as(client) == "o-bob"


def test_an_oauth_identity_lasts_a_week_not_a_rolling_month(make_app, wechat_standin):
    from tests.web.test_mobile_booking import _oauth_state

    client = make_app(
        wechat_app_id="wx-real-app",
        wechat_app_secret="real-secret",
        wechat_api_base_url=wechat_standin.base_url,
    ).test_client()
    params = _oauth_state(client.get("/m/bookings").location)
    code = wechat_standin.oauth_code("o-from-oauth")
    before = int(time.time())
    assert client.get(f"/m/oauth?code={code}&state={params['state']}").status_code == 302
    assert client.get("/m/bookings").status_code == 200
    latest = datetime.fromtimestamp(int(time.time()) + LINK_MAX_AGE_SECONDS, UTC)
    assert datetime.fromtimestamp(before + LINK_MAX_AGE_SECONDS, UTC) <= cookie_expires(client)
    assert cookie_expires(client) <= latest
