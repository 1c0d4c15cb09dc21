"""`/m/stations`: every community employment service station, nearest first when the
phone tells us where it is, and one page per station (hours, holidays, services, the
way there, the booking button). Public: nothing here needs to know who is looking,
though a location the person sent in the chat is used to sort when the page has none.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from core import timeutil
from core.booking import stations
from core.config import Settings
from core.db import db
from core.people import people
from web.mobile import bp, station_pages
from web.mobile.identity import current_openid


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def _page_url() -> str:
    """The address the phone shows, which is what the JS-SDK signature must cover."""
    query = request.query_string.decode("utf-8", "replace")
    return _settings().public_base_url + request.path + (f"?{query}" if query else "")


def _jssdk() -> dict[str, object] | None:
    return station_pages.jssdk_config(
        _settings(), _page_url(), request.headers.get("User-Agent", "")
    )


@bp.get("/stations")
def stations_index() -> ResponseReturnValue:
    """All active stations: by distance with `lat`/`lon` (or the chat location), else by town."""
    session = db.session()
    origin = station_pages.origin_from_args(request.args)
    by_town = request.args.get("by") == "town"
    if by_town:
        origin = None
    elif origin is None and (openid := current_openid()):
        origin = station_pages.origin_from_person(people.get_person(session, openid))
    page = station_pages.station_list(session, origin, timeutil.utcnow())
    return render_template("mobile/stations.html", page=page, jssdk=_jssdk())


@bp.get("/stations/<int:station_id>")
def station_page(station_id: int) -> ResponseReturnValue:
    station = stations.get_station(db.session(), station_id)
    if station is None or not station.is_active:
        return render_template("mobile/stations_missing.html"), 404
    detail = station_pages.station_detail(station, timeutil.utcnow())
    return render_template("mobile/stations_detail.html", page=detail, jssdk=_jssdk())
