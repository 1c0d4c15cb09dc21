"""Finding a station in chat: a shared location, `附近` and the town list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot import simulate
from bot.session import Conversation
from core.people.people import get_person
from core.timeutil import LOCAL_TZ
from tests.clock import frozen_clock
from tests.wechat import post, reply_fields, say

# Wednesday 2026-12-02 08:00 in Shanghai: a plain working day, no holiday near it.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)
HOME = (31.2946, 121.163)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Every `utcnow` the bot and the services call answers NOW."""
    with frozen_clock(monkeypatch, NOW):
        yield


def share(client, settings, openid, lat=HOME[0], lon=HOME[1]) -> str:
    response = post(client, settings, simulate.location_xml(openid, lat, lon, "安亭镇某路"))
    assert response.status_code == 200
    return reply_fields(response).get("Content", "")


@pytest.fixture
def four_stations(factories):
    """Three near HOME (about 0.6, 2.8 and 6.1 km, out of order) and one far away."""
    far = factories.station("S-FAR", name="远处服务站（示例）", latitude=31.60, longitude=121.163)
    mid = factories.station(
        "S-MID", name="中间服务站（示例）", latitude=31.3196, longitude=121.163, town="南翔镇"
    )
    near = factories.station(
        "S-NEAR",
        name="最近服务站（示例）",
        latitude=31.3000,
        longitude=121.163,
        has_veterans_window=True,
    )
    third = factories.station(
        "S-3RD", name="第三服务站（示例）", latitude=31.2946, longitude=121.227, town="南翔镇"
    )
    return near, mid, third, far


def test_location_answers_the_three_nearest_in_order(client, settings, db_session, four_stations):
    near, mid, third, far = four_stations
    text = share(client, settings, "o-loc-near")
    assert len(text.encode()) < 2048
    assert text.index(near.name) < text.index(mid.name) < text.index(third.name)
    assert far.name not in text
    assert re.search(r"1\. 最近服务站（示例）【退役军人专窗】\n   约 600 米", text)
    assert "约 2.8 公里" in text
    assert "约 6.1 公里" in text
    assert "中间服务站（示例）【退役军人专窗】" not in text
    assert text.count("今天 09:00-11:30、13:30-17:00") == 3
    assert f"/m/book?station={near.id}&t=" in text
    assert "回复“预约”在聊天里预约" in text
    person = get_person(db_session, "o-loc-near")
    assert (person.latitude, person.longitude) == HOME
    assert person.location_at == NOW.astimezone(UTC)


def test_location_with_no_stations_still_acknowledged(client, settings):
    text = share(client, settings, "o-loc-none")
    assert "已收到您的位置" in text
    assert "人工" in text


def test_nearby_without_location_explains_how_and_lists_towns(client, settings, four_stations):
    text = say(client, settings, "o-near-1", "附近")
    assert "点输入框旁的“+”→“位置”→发送" in text
    # Towns in the district's order, with how many stations each has.
    assert "1. 南翔镇（2个）" in text
    assert "2. 安亭镇（2个）" in text
    assert Conversation("o-near-1", 60).flow == "stations"
    listed = say(client, settings, "o-near-1", "1")
    assert "南翔镇的就业服务站" in listed
    assert "中间服务站（示例）" in listed
    assert "第三服务站（示例）" in listed
    assert "最近服务站" not in listed
    assert "/m/book?station=" in listed
    assert "回复“预约”" in listed
    assert Conversation("o-near-1", 60).flow is None


def test_town_list_re_asks_a_wrong_answer(client, settings, four_stations):
    say(client, settings, "o-near-2", "找服务站")
    again = say(client, settings, "o-near-2", "9")
    assert "请回复 1 到 2 之间的数字" in again
    assert Conversation("o-near-2", 60).flow == "stations"
    assert "安亭镇的就业服务站" in say(client, settings, "o-near-2", "２")


def test_location_shared_after_the_town_list_answers_nearest(client, settings, four_stations):
    say(client, settings, "o-near-3", "服务站")
    text = share(client, settings, "o-near-3")
    assert text.index("最近服务站") < text.index("中间服务站")
    assert Conversation("o-near-3", 60).flow is None


def test_nearby_uses_a_location_from_the_last_24_hours(
    client, settings, db_session, factories, four_stations
):
    person = factories.person("o-near-4", latitude=HOME[0], longitude=HOME[1])
    person.location_at = NOW - timedelta(hours=23)
    db_session.commit()
    text = say(client, settings, "o-near-4", "附近")
    assert "离您最近的 3 个就业服务站" in text
    assert "约 600 米" in text

    person = get_person(db_session, "o-near-4")
    person.location_at = NOW - timedelta(hours=25)
    db_session.commit()
    text = say(client, settings, "o-near-4", "附近")
    assert "“位置”" in text
    assert "南翔镇（2个）" in text


def test_menu_key_stations(client, settings, four_stations):
    response = post(client, settings, simulate.event_xml("o-near-5", "CLICK", "STATIONS"))
    assert "“位置”" in reply_fields(response)["Content"]


def test_help_lists_the_station_and_booking_features(client, settings):
    text = say(client, settings, "o-near-6", "帮助")
    assert "发送位置" in text
    assert "发送“预约”" in text
    assert "发送“我的预约”" in text


def test_free_text_after_the_town_list_is_answered_as_usual(client, settings, four_stations):
    say(client, settings, "o-near-7", "附近")
    text = say(client, settings, "o-near-7", "帮助")
    assert "发送“预约”" in text
    assert Conversation("o-near-7", 60).flow is None
    say(client, settings, "o-near-7", "附近")
    text = say(client, settings, "o-near-7", "退役以后社保怎么办")
    assert "请回复" not in text
    assert Conversation("o-near-7", 60).flow is None


def test_nearby_with_redis_down_offers_the_page(make_app, settings, four_stations):
    client = make_app(redis_url="redis://127.0.0.1:1/0").test_client()
    text = say(client, settings, "o-near-8", "附近")
    assert "“位置”" in text
    assert "/m/book?t=" in text
    assert "回复数字" not in text
