"""The /m/stations pages: nearest first, by town, one station's hours, holidays,
services and the way there (WeChat's map inside WeChat, coordinates elsewhere)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from flask.testing import FlaskClient
from wechatpy.client.api.jsapi import WeChatJSAPI

from core.booking.models import StationException
from core.wechat import links
from tests.booking.conftest import NOW
from tests.clock import frozen_clock
from web.mobile.station_pages import wgs84_to_gcj02

# Near Anting's town centre (GCJ-02), where the person stands in these tests.
HERE = (31.2946, 121.163)
WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50 NetType/WIFI"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with frozen_clock(monkeypatch, NOW):
        yield


def page(client: FlaskClient, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<h3 class="st-name"><a href="/m/stations/\d+">([^<]+)</a>', html)


@pytest.fixture
def three(factories):
    """Stations about 0.3 km, 5 km and 20 km from HERE, and one without coordinates."""
    return [
        factories.station(name="远站", town="华亭镇", latitude=31.47, longitude=121.23),
        factories.station(name="近站", town="安亭镇", latitude=31.297, longitude=121.163),
        factories.station(name="无坐标站", town="马陆镇", latitude=None, longitude=None),
        factories.station(
            name="中站", town="江桥镇", latitude=31.33, longitude=121.2, has_veterans_window=True
        ),
    ]


def test_stations_sorted_by_distance_with_badges_and_todays_hours(client, three):
    html = page(client, f"/m/stations?lat={HERE[0]}&lon={HERE[1]}")
    assert names_in_order(html) == ["近站", "中站", "远站", "无坐标站"]
    assert "约 300 米" in html
    assert "公里" in html
    assert "今天 09:00-11:30、13:30-17:00" in html
    assert html.count('<span class="m-badge">退役军人专窗</span>') == 1
    assert f'href="/m/book?station={three[1].id}"' in html
    assert "已按离您的距离排序" in html


def test_without_a_position_stations_are_grouped_by_town(client, three):
    html = page(client, "/m/stations")
    # Towns in the district's order (core.booking.models.TOWNS), not alphabetical.
    towns = re.findall(r'<h2 class="m-section" id="town-\d+">([^<]+)</h2>', html)
    assert towns == ["安亭镇", "马陆镇", "华亭镇", "江桥镇"]
    assert "已按离您的距离排序" not in html
    assert "data-locate" in html
    assert "res.wx.qq.com" not in html  # no outside scripts outside WeChat
    page(client, "/m/stations?lat=abc&lon=121")  # nonsense is ignored, not an error


def test_a_browser_position_is_shifted_to_gcj02(client, three):
    lat, lon = wgs84_to_gcj02(31.2966, 121.1586)
    assert 31.293 < lat < 31.296
    assert 121.162 < lon < 121.165
    assert wgs84_to_gcj02(48.1, 11.5) == (48.1, 11.5)  # outside China: unchanged
    html = page(client, "/m/stations?lat=31.2966&lon=121.1586&coord=wgs84")
    assert names_in_order(html)[0] == "近站"
    assert "约 300 米" in html


def test_the_location_sent_in_the_chat_sorts_the_list(client, settings, factories, three):
    factories.person("o-alice", latitude=31.47, longitude=121.23, location_label="华亭镇")
    client.get(f"/m/stations?t={links.person_token(settings, 'o-alice')}")
    html = page(client, "/m/stations")
    assert names_in_order(html)[0] == "远站"
    assert "在公众号里发送的位置：华亭镇" in html
    assert names_in_order(page(client, "/m/stations?by=town"))[0] == "近站"


def test_station_page_shows_hours_exceptions_services_and_booking(client, factories, db_session):
    station = factories.station(
        name="安亭镇社区就业服务站",
        address="安亭镇墨玉路1号",
        phone="021-59570000",
        services=(3, 7, 8, 1),
    )
    db_session.add(StationException(station=station, day=date(2026, 12, 3), note="站点装修"))
    db_session.add(
        StationException(
            station=station, day=date(2026, 12, 4), closed=False, periods=[["09:00", "10:00"]]
        )
    )
    db_session.commit()
    html = page(client, f"/m/stations/{station.id}")
    assert "安亭镇墨玉路1号" in html
    assert 'href="tel:021-59570000"' in html
    assert "今天 09:00-11:30、13:30-17:00" in html
    assert "周一 09:00-11:30、13:30-17:00" in html
    assert "周六 休息" in html
    assert "周日 休息" in html
    assert "12月3日 周四 不开放（站点装修）" in html
    assert "12月4日 周五 09:00-10:00（时间调整）" in html
    assert "政策咨询" in html
    assert "岗位查询与推荐" in html
    assert "职业指导" in html
    assert "调查走访" not in html  # the station's own work, not something to book
    assert "北纬 31.2946，东经 121.1630" in html
    assert "data-navigate" not in html
    assert f'href="/m/book?station={station.id}"' in html


def test_sample_station_says_it_is_a_sample(client, factories):
    station = factories.station(is_sample=True, note="示例数据，非真实站点信息")
    html = page(client, f"/m/stations/{station.id}")
    assert '<span class="m-badge m-badge-sample">示例</span>' in html
    assert "示例数据，非真实站点信息" in html
    assert "标有“示例”的是演示数据" in page(client, "/m/stations")


def test_missing_or_inactive_station_is_not_found(client, factories):
    station = factories.station(is_active=False)
    assert "没有找到这个服务站" in page(client, f"/m/stations/{station.id}", 404)
    page(client, "/m/stations/999999", 404)
    assert station.name not in page(client, "/m/stations")


def test_inside_wechat_the_page_gets_a_signed_js_sdk_config(make_app, wechat_standin, factories):
    app = make_app(
        wechat_app_id="wx-real-app",
        wechat_app_secret="real-secret",
        wechat_api_base_url=wechat_standin.base_url,
    )
    station = factories.station()
    client = app.test_client()
    html = page(client, f"/m/stations/{station.id}?from=menu", headers={"User-Agent": WECHAT_UA})
    config = json.loads(re.search(r'<script id="wx-config"[^>]*>(.+?)</script>', html).group(1))
    ticket = "TICKET-TOKEN-1"
    url = f"http://localhost/m/stations/{station.id}?from=menu"
    expected = WeChatJSAPI().get_jsapi_signature(
        config["nonceStr"], ticket, config["timestamp"], url
    )
    assert config["appId"] == "wx-real-app"
    assert config["signature"] == expected
    assert config["jsApiList"] == ["getLocation", "openLocation"]
    assert "data-navigate" in html
    assert "jweixin" in html
    plain = page(client, f"/m/stations/{station.id}")  # not WeChat's browser: no SDK
    assert "wx-config" not in plain
    assert "data-navigate" not in plain
