"""Booking on the phone: who the page acts for (chat link, WeChat OAuth), booking end to
end, a full slot's alternatives, cancelling, rescheduling, the .ics file, and that nobody
sees or changes another person's booking."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.booking import booking
from core.booking.models import ACTIVE, CANCELLED, Booking, Station
from core.config import Settings
from core.people.models import Person
from core.wechat import links
from core.wechat.links import LINK_MAX_AGE_SECONDS
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.clock import frozen_clock

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DAY = "2026-12-03"  # Thursday, the day after NOW


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pages read the clock through core.timeutil; pin it to NOW (Wednesday 08:00)."""
    with frozen_clock(monkeypatch, NOW):
        yield


def sign_in(client: FlaskClient, settings: Settings, openid: str) -> None:
    """Open a page from a chat link, as the person would."""
    response = client.get(f"/m/bookings?t={links.person_token(settings, openid)}")
    assert response.status_code == 302
    assert response.location == "/m/bookings"


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.location)
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def fresh(db_session: Session, made: Booking) -> Booking:
    """The booking as stored now (a request closes the shared thread session, detaching it)."""
    db_session.expire_all()
    found = db_session.get(Booking, made.id)
    assert found is not None
    return found


def count(db_session: Session, model: type) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def book_on_page(client: FlaskClient, station: Station, hhmm: str, service: int = 3):
    """Go through the steps as the person does: service, day, time, confirm."""
    confirm = page(client, f"/m/book?station={station.id}&service={service}&day={DAY}&time={hhmm}")
    assert "请确认预约信息" in confirm
    form = {
        "csrf_token": csrf(confirm),
        "station": station.id,
        "service": service,
        "day": DAY,
        "time": hhmm,
    }
    return client.post("/m/book", data=form)


# -- who is asking ------------------------------------------------------------------


def test_a_chat_link_signs_the_person_in_and_drops_the_token(client, settings, factories):
    factories.person("o-alice")
    token = links.person_token(settings, "o-alice")
    response = client.get(f"/m/book?station=7&t={token}&service=3")
    assert response.status_code == 302
    assert response.location == "/m/book?station=7&service=3"
    html = page(client, "/m/bookings")
    assert "我的预约" in html
    assert "您现在没有待到访的预约" in html


def test_forged_or_expired_links_sign_nobody_in(client, settings, monkeypatch):
    forged = links.person_token(settings.with_overrides(secret_key="someone-else"), "o-alice")
    with monkeypatch.context() as m:
        m.setattr(
            TimestampSigner,
            "get_timestamp",
            lambda self: int(time.time()) - LINK_MAX_AGE_SECONDS - 60,
        )
        expired = links.person_token(settings, "o-alice")
    for token in (forged, expired, "garbage"):
        assert client.get(f"/m/bookings?t={token}").status_code == 302
        html = page(client, "/m/bookings", 403)
        assert "请从公众号里打开这个页面" in html
        assert "已经过期或无效" in html


def test_without_a_link_or_oauth_the_page_says_how_to_get_in(client):
    html = page(client, "/m/bookings", 403)
    assert "请从公众号里打开这个页面" in html
    assert "回复<strong>“预约”</strong>" in html
    assert "已经过期或无效" not in html


def test_a_general_booking_link_without_station_lists_the_stations(client, settings, factories):
    response = client.get("/m/book")
    assert response.status_code == 302
    assert response.location == "/m/stations"
    factories.person("o-alice")
    sign_in(client, settings, "o-alice")
    for station in ("99999999999999999999", "abc", "424242"):
        assert "没有找到这个服务站" in page(client, f"/m/book?station={station}", 404)


@pytest.fixture
def oauth_client(make_app, wechat_standin) -> FlaskClient:
    app = make_app(
        wechat_app_id="wx-real-app",
        wechat_app_secret="real-secret",
        wechat_api_base_url=wechat_standin.base_url,
    )
    return app.test_client()


def _oauth_state(location: str) -> dict[str, str]:
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qsl(urlsplit(location.removesuffix("#wechat_redirect")).query)
    assert [k for k, _ in query] == ["appid", "redirect_uri", "response_type", "scope", "state"]
    return dict(query)


def test_oauth_identifies_the_person_with_real_credentials(
    oauth_client, wechat_standin, db_session
):
    response = oauth_client.get("/m/bookings")
    assert response.status_code == 302
    params = _oauth_state(response.location)
    assert params["appid"] == "wx-real-app"
    assert params["redirect_uri"] == "http://localhost/m/oauth"
    assert params["response_type"] == "code"
    assert params["scope"] == "snsapi_base"

    code = wechat_standin.oauth_code("o-from-oauth")
    back = oauth_client.get(f"/m/oauth?code={code}&state={params['state']}")
    assert back.status_code == 302
    assert back.location == "/m/bookings"
    assert "我的预约" in page(oauth_client, "/m/bookings")
    (call,) = wechat_standin.calls_to("/sns/oauth2/access_token")
    assert call.query == {
        "appid": "wx-real-app",
        "secret": "real-secret",
        "code": code,
        "grant_type": "authorization_code",
    }
    assert db_session.scalar(select(Person).where(Person.openid == "o-from-oauth")) is not None


def test_oauth_callback_refuses_a_foreign_state_and_a_bad_code(oauth_client, wechat_standin):
    params = _oauth_state(oauth_client.get("/m/bookings?x=1").location)
    code = wechat_standin.oauth_code("o-x")
    wrong = oauth_client.get(f"/m/oauth?code={code}&state=not-{params['state']}")
    assert wrong.status_code == 400
    assert "登录已过期" in wrong.get_data(as_text=True)
    assert wechat_standin.calls_to("/sns/oauth2/access_token") == []  # never exchanged

    params = _oauth_state(oauth_client.get("/m/bookings?x=1").location)
    bad = oauth_client.get(f"/m/oauth?code=CODE-unknown&state={params['state']}")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 502
    assert "暂时无法通过微信确认您的身份" in html
    assert 'href="/m/bookings?x=1"' in html  # "再试一次" goes back where the person was
    assert page(oauth_client, "/m/oauth", 400)  # no state in the session any more


def test_oauth_state_cannot_send_the_person_to_another_site(oauth_client, wechat_standin):
    with oauth_client.session_transaction() as s:
        s["m_oauth_state"], s["m_oauth_next"] = "abc", "https://evil.example/"
    code = wechat_standin.oauth_code("o-y")
    back = oauth_client.get(f"/m/oauth?code={code}&state=abc")
    assert back.status_code == 302
    assert back.location == "/m/bookings"


# -- booking --------------------------------------------------------------------------


def test_booking_on_the_page_end_to_end(client, settings, factories, db_session):
    station = factories.station(desks=2, address="安亭镇示例路1号")
    factories.person("o-alice")
    sign_in(client, settings, "o-alice")

    first = page(client, f"/m/book?station={station.id}")
    assert "选择要办理的事项" in first
    assert "政策咨询" in first
    assert "选择日期" not in first
    days = page(client, f"/m/book?station={station.id}&service=3")
    assert "12月2日" in days
    assert "今天" in days
    assert "12月5日" not in days
    slots = page(client, f"/m/book?station={station.id}&service=3&day={DAY}")
    assert "09:00" in slots
    assert "剩2" in slots
    assert "16:30" in slots
    assert "11:30</span>" not in slots

    response = book_on_page(client, station, "09:00")
    assert response.status_code == 302
    code = response.location.rsplit("/", 1)[-1]
    done = page(client, response.location)
    assert done.count("预约成功") == 1
    assert f'<p class="bk-code" data-code>{code}</p>' in done
    assert "12月3日 周四 09:00-09:30" in done
    assert "政策咨询" in done
    ics = re.search(r'href="http://localhost(/m/ics/[^"]+\.ics)"', done)
    assert ics
    assert client.get(ics.group(1)).status_code == 200
    assert 'href="/m/bookings"' in done

    assert count(db_session, Booking) == 1
    made = db_session.scalar(select(Booking))
    assert made.code == code
    assert made.status == ACTIVE
    assert made.slot.booked == 1
    assert made.slot.starts_at == at(3, 9).astimezone(UTC)
    (notice,) = db_session.scalars(select(OutboxMessage)).all()
    assert notice.openid == "o-alice"
    assert "【预约成功】" in notice.content
    assert code in notice.content
    after = page(client, f"/m/book?station={station.id}&service=3&day={DAY}")
    assert "剩1" in after


def test_a_full_slot_offers_the_nearest_free_ones(client, settings, factories, db_session):
    station = factories.station(desks=1)
    other = factories.person("o-bob")
    booking.book(db_session, other, station, at(3, 9), 3, NOW)
    db_session.commit()
    factories.person("o-alice")
    sign_in(client, settings, "o-alice")
    grid = page(client, f"/m/book?station={station.id}&service=3&day={DAY}")
    assert 'class="m-slot is-full"' in grid
    assert "已满" in grid
    stale = page(client, f"/m/book?station={station.id}&service=3&day={DAY}&time=09:00")
    assert "这个时间已约满或已不能预约" in stale
    assert "请确认预约信息" not in stale

    # Bob took it while Alice looked at the confirmation page.
    confirm = page(client, f"/m/book?station={station.id}&service=3&day={DAY}&time=09:30")
    booking.book(db_session, other, station, at(3, 9, 30), 3, NOW)
    db_session.commit()
    form = {"csrf_token": csrf(confirm), "station": station.id, "service": 3}
    html = client.post("/m/book", data={**form, "day": DAY, "time": "09:30"}).get_data(as_text=True)
    assert "该时段已约满。" in html
    assert "点一下就能预约" in html
    assert "12月3日 周四 10:00" in html
    assert "12月3日 周四 09:00" not in html
    assert count(db_session, Booking) == 2

    retry = client.post("/m/book", data={**form, "day": DAY, "time": "10:00"})
    assert retry.status_code == 302
    assert count(db_session, Booking) == 3


def test_booking_refusals_are_explained(client, settings, factories):
    station = factories.station()
    factories.person("o-alice")
    sign_in(client, settings, "o-alice")
    token = csrf(page(client, f"/m/book?station={station.id}&service=3&day={DAY}&time=10:00"))
    form = {"csrf_token": token, "station": station.id, "service": 3, "day": "2026-12-02"}
    soon = client.post("/m/book", data={**form, "time": "09:00"}).get_data(as_text=True)
    assert "需至少提前 2 小时预约" in soon
    wrong = client.post("/m/book", data={**form, "service": 1, "time": "14:00"})
    assert "该服务站不提供这项服务" in wrong.get_data(as_text=True)
    junk = client.post("/m/book", data={**form, "time": "nine"}).get_data(as_text=True)
    assert "请重新选择办理事项和时间" in junk


def test_missing_csrf_token_is_refused(client, settings, factories, db_session):
    station = factories.station()
    factories.person("o-alice")
    sign_in(client, settings, "o-alice")
    form = {"station": station.id, "service": 3, "day": DAY, "time": "09:00"}
    response = client.post("/m/book", data=form)
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert count(db_session, Booking) == 0


def _alice_booking(client, settings, factories, db_session) -> Booking:
    station = factories.station(desks=1)
    alice = factories.person("o-alice")
    made = booking.book(db_session, alice, station, at(3, 9), 3, NOW)
    db_session.commit()
    return made


def test_cancel_frees_the_desk(client, settings, factories, db_session):
    made = _alice_booking(client, settings, factories, db_session)
    sign_in(client, settings, "o-alice")
    mine = page(client, "/m/bookings")
    assert made.code in mine
    assert "取消这个预约" in mine
    assert "改约" in mine
    form = {"csrf_token": csrf(mine), "reason": "时间有变", "reason_text": "临时有事"}
    response = client.post(f"/m/bookings/{made.code}/cancel", data=form)
    assert response.status_code == 302
    assert response.location == "/m/bookings"
    after = page(client, "/m/bookings")
    assert f"已取消预约（预约码 {made.code}）" in after
    assert "已结束或已取消" in after
    made = fresh(db_session, made)
    assert made.status == CANCELLED
    assert made.cancelled_by == "person"
    assert made.cancel_reason == "时间有变：临时有事"
    assert made.slot.booked == 0
    again = client.post(f"/m/bookings/{made.code}/cancel", data=form)
    assert "无法再取消" in page(client, again.location)


def test_reschedule_moves_the_booking(client, settings, factories, db_session):
    made = _alice_booking(client, settings, factories, db_session)
    sign_in(client, settings, "o-alice")
    start = page(client, f"/m/book?reschedule={made.code}")
    assert "正在改约" in start
    assert 'aria-current="true">政策咨询' in start
    confirm = page(client, f"/m/book?reschedule={made.code}&service=3&day={DAY}&time=10:00")
    assert "确认改约" in confirm
    assert f'name="reschedule" value="{made.code}"' in confirm
    form = {"csrf_token": csrf(confirm), "reschedule": made.code, "service": 3}
    response = client.post("/m/book", data={**form, "day": DAY, "time": "10:00"})
    assert response.status_code == 302
    assert "改约成功" in page(client, response.location)
    made = fresh(db_session, made)
    new = db_session.scalar(select(Booking).where(Booking.status == ACTIVE))
    assert made.status == CANCELLED
    assert new.rescheduled_from_id == made.id
    assert new.slot.starts_at == at(3, 10).astimezone(UTC)
    assert made.slot.booked == 0
    moved_again = client.get(f"/m/book?reschedule={made.code}")  # the old one is cancelled
    assert moved_again.location == "/m/bookings"
    assert "无法改约" in page(client, "/m/bookings")


def test_nobody_sees_or_changes_another_persons_booking(client, settings, factories, db_session):
    made = _alice_booking(client, settings, factories, db_session)
    factories.person("o-bob")
    sign_in(client, settings, "o-bob")
    mine = page(client, "/m/bookings")
    assert made.code not in mine
    assert "没有找到这个预约" in page(client, f"/m/bookings/{made.code}", 404)
    page(client, f"/m/book?reschedule={made.code}", 404)
    token = csrf(page(client, f"/m/book?station={made.station_id}&service=3&day={DAY}&time=10:00"))
    assert (
        client.post(f"/m/bookings/{made.code}/cancel", data={"csrf_token": token}).status_code
        == 404
    )
    form = {"csrf_token": token, "reschedule": made.code, "service": 3, "day": DAY, "time": "10:00"}
    assert client.post("/m/book", data=form).status_code == 404
    assert fresh(db_session, made).status == ACTIVE
    assert count(db_session, Booking) == 1


# -- calendar file ----------------------------------------------------------------------


def test_ics_file_has_the_right_times_place_and_code(client, settings, factories, db_session):
    made = _alice_booking(client, settings, factories, db_session)
    made.station.address = "安亭镇示例路1号"
    db_session.commit()
    url = links.booking_ics_url(settings, made.code).removeprefix(settings.public_base_url)
    response = client.get(url)  # no session needed: calendar apps fetch it on their own
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    assert b"DTSTART:20261203T010000Z" in response.data
    assert str(event["summary"]) == f"{made.station.name}：政策咨询"
    assert str(event["location"]) == "安亭镇示例路1号"
    assert f"预约码：{made.code}" in str(event["description"])
    assert client.get("/m/ics/forged-token.ics").status_code == 404
    other = links.booking_ics_url(settings.with_overrides(secret_key="x"), made.code)
    assert client.get(other.removeprefix(settings.public_base_url)).status_code == 404
