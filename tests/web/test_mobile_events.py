"""`/m/events`: the list, an event's page, signing up and withdrawing as oneself only."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from core.config import Settings
from core.jobs.models import CANCELLED, Event
from core.wechat import links

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: FlaskClient, settings: Settings, openid: str) -> None:
    response = client.get(f"/m/events?t={links.person_token(settings, openid)}")
    assert response.status_code == 302


def csrf(client: FlaskClient, url: str) -> str:
    match = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, "no form on the page"
    return match.group(1)


def seats(db_session, event: Event) -> int:
    db_session.expire_all()
    found = db_session.get(Event, event.id)
    assert found is not None
    return found.signed_up


def test_list_and_detail_show_time_place_and_seats(client, factories):
    fair = factories.event(
        title="示例专场招聘会", capacity=40, organiser="嘉定区退役军人事务局（示例）"
    )
    listing = client.get("/m/events").get_data(as_text=True)
    assert "示例专场招聘会" in listing
    assert "剩余名额 40 / 40" in listing
    detail = client.get(f"/m/events/{fair.id}").get_data(as_text=True)
    assert "嘉定区测试路1号" in detail
    assert "剩余 40 / 40" in detail
    # Nobody on the page: no button that leads nowhere, but how to sign up from the chat.
    assert "我要报名" in detail
    assert "/signup" not in detail
    assert "报名请从公众号里打开" in detail
    assert "回复<strong>“活动”</strong>" in detail


def test_a_signed_in_person_gets_the_button(client, settings, factories):
    fair = factories.event()
    sign_in(client, settings, "o-button")
    detail = client.get(f"/m/events/{fair.id}").get_data(as_text=True)
    assert f'action="/m/events/{fair.id}/signup"' in detail
    assert "报名请从公众号里打开" not in detail


def test_each_personal_page_says_how_to_open_it_in_its_own_words():
    """The "open this from the chat" page names the right reply for each page."""
    from web.mobile.identity import open_from_chat

    for endpoint in ("mobile.event_signup", "mobile.event_withdraw"):
        assert open_from_chat(endpoint).replies == ("活动",)
        assert open_from_chat(endpoint).section == "活动报名"
    for endpoint in (
        "mobile.my_subscriptions",
        "mobile.save_subscriptions",
        "mobile.stop_subscriptions",
    ):
        assert open_from_chat(endpoint).replies == ("我的订阅",)
    assert open_from_chat("mobile.my_bookings").replies == ("预约", "我的预约")


def test_sign_up_and_withdraw_on_the_page(client, settings, factories, db_session):
    fair = factories.event(capacity=3)
    sign_in(client, settings, "o-page")
    url = f"/m/events/{fair.id}"
    response = client.post(f"{url}/signup", data={"csrf_token": csrf(client, url)})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "报名成功" in html
    assert "您已报名" in html
    assert seats(db_session, fair) == 1
    mine = client.get("/m/events").get_data(as_text=True)
    assert "我的报名" in mine
    again = client.post(f"{url}/signup", data={"csrf_token": csrf(client, url)})
    assert again.status_code == 302
    assert "已经报名" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/withdraw", data={"csrf_token": csrf(client, url)})
    assert "已取消报名" in client.get(url).get_data(as_text=True)
    assert seats(db_session, fair) == 0


def test_full_and_cancelled_events_refuse_sign_up(client, settings, factories, db_session):
    full = factories.event(capacity=1)
    gone = factories.event(status=CANCELLED, cancel_reason="场地调整")
    sign_in(client, settings, "o-first")
    token = csrf(client, f"/m/events/{full.id}")
    client.post(f"/m/events/{full.id}/signup", data={"csrf_token": token})
    other = client.application.test_client()
    sign_in(other, settings, "o-late")
    html = other.get(f"/m/events/{full.id}").get_data(as_text=True)
    assert "名额已满" in html
    assert "我要报名" not in html
    other.post(f"/m/events/{full.id}/signup", data={"csrf_token": token})
    assert seats(db_session, full) == 1
    cancelled = other.get(f"/m/events/{gone.id}").get_data(as_text=True)
    assert "已取消：场地调整" in cancelled
    assert "我要报名" not in cancelled


def test_signing_up_needs_the_person_and_a_csrf_token(client, settings, factories, db_session):
    fair = factories.event()
    anonymous = client.post(f"/m/events/{fair.id}/signup", data={})
    assert anonymous.status_code in (400, 403)
    sign_in(client, settings, "o-csrf")
    refused = client.post(f"/m/events/{fair.id}/signup", data={})
    assert refused.status_code == 400
    assert seats(db_session, fair) == 0


def test_nobody_withdraws_another_persons_signup(client, settings, factories, db_session):
    fair = factories.event()
    sign_in(client, settings, "o-owner")
    url = f"/m/events/{fair.id}"
    client.post(f"{url}/signup", data={"csrf_token": csrf(client, url)})
    intruder = client.application.test_client()
    sign_in(intruder, settings, "o-intruder")
    intruder.post(f"{url}/withdraw", data={"csrf_token": csrf(intruder, url)})
    assert "您没有报名这个活动" in intruder.get(url).get_data(as_text=True)
    assert seats(db_session, fair) == 1
    assert "我的报名" not in intruder.get("/m/events").get_data(as_text=True)


def test_unknown_event_is_a_kind_404(client):
    response = client.get("/m/events/424242")
    assert response.status_code == 404
    assert "没有找到这个活动" in response.get_data(as_text=True)


def test_filter_by_town_and_ignore_unknown_towns(client, factories):
    factories.event(title="安亭专场", town="安亭镇")
    factories.event(title="江桥专场", town="江桥镇")
    anting = client.get("/m/events?town=安亭镇").get_data(as_text=True)
    assert "安亭专场" in anting
    assert "江桥专场" not in anting
    unknown = client.get("/m/events?town=火星").get_data(as_text=True)
    assert "安亭专场" in unknown
    assert "江桥专场" in unknown
