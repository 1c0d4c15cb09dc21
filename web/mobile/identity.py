"""Who is on a phone page: the person a chat link or WeChat's OAuth says they are.

Booking and "my bookings" act for one person, who has no password. Two ways in, both
ending with the openid in the signed Flask session:

- the chat's links carry a signed, expiring `t` (links.page_url). It is swapped for the
  session at once and dropped from the address, so a copied or forwarded URL does not
  carry it on;
- with real WeChat credentials, OAuth `snsapi_base` (silent, no consent screen):
  WeChat sends the browser back to /m/oauth with a one-time code that only our secret
  can exchange for the openid. `state` is a random value kept in the session, so a
  callback we did not start is refused.

Without either (embedded mode, a link opened outside the chat) the page explains how
to get in instead of guessing.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from core.config import Settings
from core.db import db
from core.people import people
from core.wechat import links
from web.mobile import bp

log = logging.getLogger(__name__)

OPENID_KEY = "m_openid"
STATE_KEY = "m_oauth_state"
NEXT_KEY = "m_oauth_next"
BAD_LINK_KEY = "m_bad_link"
AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"

OAUTH_EXPIRED = "登录已过期，请返回公众号重新打开页面，或点下面的按钮再试一次。"
OAUTH_FAILED = "暂时无法通过微信确认您的身份，请稍后再试，或返回公众号重新打开页面。"


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def current_openid() -> str | None:
    value = session.get(OPENID_KEY)
    return value if isinstance(value, str) and value else None


def remember(openid: str) -> None:
    session[OPENID_KEY] = openid
    session.permanent = True  # survives closing WeChat's page, until the cookie's lifetime


def oauth_available(settings: Settings) -> bool:
    """OAuth needs the account's real AppID and AppSecret (the same test as outbound)."""
    return settings.outbound_enabled


def _without_token() -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "t"]
    return request.path + (f"?{urlencode(args)}" if args else "")


@bp.before_request
def take_link_token() -> ResponseReturnValue | None:
    """A chat link's `t`: remember who it names, then show the same page without it."""
    if request.method not in ("GET", "HEAD") or "t" not in request.args:
        return None
    openid = links.openid_from_token(_settings(), request.args["t"])
    if openid:
        remember(openid)
        session.pop(BAD_LINK_KEY, None)
    else:
        log.info("Refused a forged or expired page link on %s", request.path)
        session[BAD_LINK_KEY] = True
    return redirect(_without_token())


def safe_next(target: object) -> str:
    """Only our own phone pages: never another site, whatever the session or referrer says."""
    if isinstance(target, str) and target.startswith("/m/") and "\\" not in target:
        return target
    return url_for("mobile.my_bookings")


def _next_target() -> str:
    if request.method in ("GET", "HEAD"):
        return _without_token()
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/m/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("mobile.my_bookings")


def start_oauth(settings: Settings, target: str) -> ResponseReturnValue:
    state = secrets.token_urlsafe(16)
    session[STATE_KEY] = state
    session[NEXT_KEY] = safe_next(target)
    # WeChat checks the parameters in this order; redirect_uri's domain must be the
    # account's registered web-authorisation domain (public_base_url's).
    query = urlencode(
        {
            "appid": settings.wechat_app_id,
            "redirect_uri": settings.public_base_url + url_for("mobile.oauth_callback"),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return redirect(f"{AUTHORIZE_URL}?{query}#wechat_redirect")


def ask_who() -> ResponseReturnValue:
    settings = _settings()
    if oauth_available(settings):
        return start_oauth(settings, _next_target())
    page = render_template(
        "mobile/book_identity.html",
        bad_link=bool(session.pop(BAD_LINK_KEY, False)),
        simulator=settings.simulator_enabled,
    )
    return page, 403


def require_person(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """The view runs with `g.person`; otherwise the person is sent to OAuth or told how to
    open the page from the chat."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        openid = current_openid()
        if openid is None:
            return ask_who()
        db_session = db.session()
        person = people.get_person(db_session, openid)
        if person is None:
            person = people.get_or_create_person(db_session, openid)
            db_session.commit()
        g.person = person
        return view(*args, **kwargs)

    return wrapper


def exchange_code(settings: Settings, code: str) -> str | None:
    """The openid WeChat gives for an OAuth code, or None (logged) if it will not."""
    url = settings.wechat_api_base_url + "sns/oauth2/access_token"
    params = {
        "appid": settings.wechat_app_id,
        "secret": settings.wechat_app_secret,
        "code": code,
        "grant_type": "authorization_code",
    }
    try:
        response = requests.get(url, params=params, timeout=settings.wechat_api_timeout)
        data = response.json()  # WeChat labels its JSON text/plain; parse it regardless
    except (requests.RequestException, ValueError) as exc:
        log.warning("OAuth code exchange failed: %s", type(exc).__name__)
        return None
    if not isinstance(data, dict) or data.get("errcode") or not data.get("openid"):
        errcode = data.get("errcode") if isinstance(data, dict) else None
        log.warning("OAuth code exchange refused (errcode=%s)", errcode)
        return None
    return str(data["openid"])


def _oauth_problem(message: str, target: str, status: int) -> ResponseReturnValue:
    return render_template("mobile/book_oauth_error.html", message=message, retry=target), status


@bp.get("/oauth")
def oauth_callback() -> ResponseReturnValue:
    """WeChat's redirect after snsapi_base: check `state`, exchange `code`, go back."""
    settings = _settings()
    if not oauth_available(settings):
        return render_template("mobile/error.html"), 404
    expected = session.pop(STATE_KEY, None)
    target = safe_next(session.pop(NEXT_KEY, None))
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if (
        not isinstance(expected, str)
        or not hmac.compare_digest(state.encode(), expected.encode())
        or not code
    ):
        return _oauth_problem(OAUTH_EXPIRED, target, 400)
    openid = exchange_code(settings, code)
    if openid is None:
        return _oauth_problem(OAUTH_FAILED, target, 502)
    remember(openid)
    return redirect(target)
