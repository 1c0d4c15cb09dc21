"""What the /m/stations pages show, shaped for templates so the views stay a few lines.

A veteran looks for the station nearest to them, when it is open today and whether it
has a veterans' window. Distances need the person's position in GCJ-02 (the system the
station coordinates and WeChat's `wx.getLocation` use); a browser's geolocation is
WGS-84, about 500 m off in Shanghai, so it is shifted before measuring.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.booking import availability, station_services, stations
from core.booking.models import Station
from core.booking.station_services import ServiceItem
from core.config import Settings
from core.people import people
from core.timeutil import day_text, local_today, periods_text, utcnow

log = logging.getLogger(__name__)

EVERY_STATION = 10_000  # `stations.nearest` takes a limit; the page lists them all
JS_APIS = ["getLocation", "openLocation"]


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    source: str  # "device" (this page asked the phone) or "chat" (a location sent in the chat)
    label: str = ""


@dataclass(frozen=True)
class StationCard:
    station: Station
    today: str
    distance: str = ""


@dataclass
class StationList:
    origin: Origin | None
    nearby: list[StationCard] = field(default_factory=list)
    towns: list[tuple[str, list[StationCard]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.nearby and not self.towns

    @property
    def has_samples(self) -> bool:
        cards = self.nearby + [card for _, cards in self.towns for card in cards]
        return any(card.station.is_sample for card in cards)


@dataclass(frozen=True)
class SpecialDay:
    day: date
    text: str
    closed: bool


@dataclass(frozen=True)
class StationDetail:
    station: Station
    today: str
    weekly: list[str]
    special_days: list[SpecialDay]
    services: list[ServiceItem]


# -- positions ---------------------------------------------------------------------


# The box the published GCJ-02 algorithm takes for China; outside it nothing is shifted.
CHINA_LATITUDES = (0.8293, 55.8271)
CHINA_LONGITUDES = (72.004, 137.8347)


def _in_china(lat: float, lon: float) -> bool:
    (south, north), (west, east) = CHINA_LATITUDES, CHINA_LONGITUDES
    return south <= lat <= north and west <= lon <= east


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The published GCJ-02 offset (the same one map apps apply); unchanged outside China."""
    if not _in_china(lat, lon):
        return lat, lon
    a, ee = 6378245.0, 0.00669342162296594323
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (a / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def origin_from_args(args: Mapping[str, str]) -> Origin | None:
    """`lat`/`lon` from the page's own location request; `coord=wgs84` from a browser."""
    try:
        lat, lon = float(args["lat"]), float(args["lon"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and people.on_earth(lat, lon)):
        return None
    if args.get("coord") == "wgs84":
        lat, lon = wgs84_to_gcj02(lat, lon)
    return Origin(lat, lon, "device")


def origin_from_person(person: Any) -> Origin | None:
    """The location a person last sent in the chat (already GCJ-02), if any."""
    if person is None or person.latitude is None or person.longitude is None:
        return None
    return Origin(person.latitude, person.longitude, "chat", person.location_label or "")


# -- pages -------------------------------------------------------------------------


def station_list(session: Session, origin: Origin | None, now: datetime) -> StationList:
    """Nearest first when we know where the person is; otherwise by town."""
    page = StationList(origin)
    if origin is not None:
        for near in stations.nearest(session, origin.latitude, origin.longitude, EVERY_STATION):
            distance = near.distance_text if near.distance_m is not None else ""
            page.nearby.append(
                StationCard(near.station, stations.hours_text(near.station, now), distance)
            )
        return page
    for town, rows in stations.by_town(session).items():
        page.towns.append((town, [StationCard(s, stations.hours_text(s, now)) for s in rows]))
    return page


def special_days(station: Station, now: datetime) -> list[SpecialDay]:
    """Days in the booking window whose hours differ from the weekly ones: holidays,
    adjusted working days, the station's own closures and changed hours."""
    found = []
    today = local_today(now)
    for offset in range(station.booking_window_days + 1):
        day = today + timedelta(days=offset)
        plan = availability.day_plan(station, day)
        usual = availability.weekly_periods(station, day.weekday())
        if plan.periods == usual and plan.reason != "调休上班":
            continue
        if plan.open:
            note = f"（{plan.reason}）" if plan.reason else "（时间调整）"
            found.append(
                SpecialDay(day, f"{day_text(day)} {periods_text(plan.periods)}{note}", False)
            )
        else:
            found.append(SpecialDay(day, f"{day_text(day)} 不开放（{plan.reason}）", True))
    return found


def station_detail(station: Station, now: datetime) -> StationDetail:
    return StationDetail(
        station=station,
        today=stations.hours_text(station, now),
        weekly=stations.weekly_text(station),
        special_days=special_days(station, now),
        services=station_services.bookable_for(station.services),
    )


# -- WeChat JS-SDK -----------------------------------------------------------------


def jssdk_config(
    settings: Settings, page_url: str, user_agent: str, api: Any = None
) -> dict[str, Any] | None:
    """`wx.config` for this page, signed with the JS-SDK ticket; None where it cannot work
    (outside WeChat, or without real credentials) or the ticket is unavailable, and the
    page then uses the browser's location and shows coordinates instead of a map."""
    if not settings.outbound_enabled or "MicroMessenger" not in user_agent:
        return None
    from wechatpy.client.api.jsapi import WeChatJSAPI

    from core.wechat import outbound
    from core.wechat.api import WeChatAPIError

    try:
        ticket = (api or outbound.wechat_api(settings)).jsapi_ticket()
    except WeChatAPIError as exc:
        log.warning("No JS-SDK ticket (errcode=%s); pages fall back to plain text", exc.errcode)
        return None
    nonce, timestamp = secrets.token_hex(8), int(utcnow().timestamp())
    url = page_url.split("#", 1)[0]
    return {
        "appId": settings.wechat_app_id,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": WeChatJSAPI().get_jsapi_signature(nonce, ticket, timestamp, url),
        "jsApiList": JS_APIS,
    }
