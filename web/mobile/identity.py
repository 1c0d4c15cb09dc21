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

The identity lasts as long as what gave it: a link's own 7 days from when the chat sent
it (not 7 days from each visit: the cookie's expiry is capped there too, see
`IdentitySessionInterface`), OAuth's 7 days from the exchange. A link naming someone
else than the person already on the page does not take over silently: the page asks
(`/m/switch`), since a link forwarded by, or planted by, someone else would otherwise
have the person book and cancel under another identity without knowing.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue

from core.config import Settings
from core.db import db
from core.people import people
from core.wechat import links
from web.mobile import bp

log = logging.getLogger(__name__)

OPENID_KEY = "m_openid"
UNTIL_KEY = "m_until"  # epoch seconds: when the identity ends (its link's own expiry)
SWITCH_KEY = "m_switch"  # a link for someone else, waiting for the person's choice
STATE_KEY = "m_oauth_state"
NEXT_KEY = "m_oauth_next"
BAD_LINK_KEY = "m_bad_link"
AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"

OAUTH_EXPIRED = "登录已过期，请返回公众号重新打开页面，或点下面的按钮再试一次。"
OAUTH_FAILED = "暂时无法通过微信确认您的身份，请稍后再试，或返回公众号重新打开页面。"


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


IDENTITY_MAX_AGE_SECONDS = links.LINK_MAX_AGE_SECONDS  # OAuth's, like a fresh link's


def _now() -> float:
    return time.time()


def current_openid() -> str | None:
    """The person on the page, until their identity's end; after it, nobody."""
    value = session.get(OPENID_KEY)
    until = session.get(UNTIL_KEY)
    if not isinstance(value, str) or not value:
        return None
    if not isinstance(until, int) or until <= _now():
        forget()
        return None
    return value


def remember(openid: str, until: int) -> None:
    """`openid` is on the page until `until` (epoch seconds), however often pages are opened."""
    session[OPENID_KEY] = openid
    session[UNTIL_KEY] = int(until)
    session.permanent = True  # survives closing WeChat's page; the cookie ends at `until`


def forget() -> None:
    """Nobody on the page; the cookie goes back to ending with the browser session."""
    session.pop(OPENID_KEY, None)
    session.pop(UNTIL_KEY, None)
    session.permanent = False


class IdentitySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, whose cookie never outlives the identity it carries.

    Flask re-sends a permanent session's cookie with a fresh lifetime (31 days) on every
    request: a 7-day link became a cookie that rolled on as long as pages were opened.
    """

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        expires = super().get_expiration_time(app, session)
        until = session.get(UNTIL_KEY)
        if expires is None or not isinstance(until, int):
            return expires
        return min(expires, datetime.fromtimestamp(until, UTC))


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
    token = request.args["t"]
    found = links.read_person_token(_settings(), token)
    if found is None:
        log.info("Refused a forged or expired page link on %s", request.path)
        session[BAD_LINK_KEY] = True
        return redirect(_without_token())
    openid, until = found
    session.pop(BAD_LINK_KEY, None)
    current = current_openid()
    if current is not None and current != openid:
        session[SWITCH_KEY] = {"t": token, "next": _without_token()}
        return redirect(url_for("mobile.switch_identity"))
    if current == openid:
        until = max(until, session.get(UNTIL_KEY, 0))  # an older link never shortens a newer
    remember(openid, until)
    return redirect(_without_token())


def _pending_switch() -> dict[str, str] | None:
    pending = session.get(SWITCH_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("t"), str):
        return None
    return pending


@bp.get("/switch")
def switch_identity() -> ResponseReturnValue:
    """Another person's link opened where someone is already on the page: ask first."""
    if _pending_switch() is None:
        return redirect(url_for("mobile.my_bookings"))
    return render_template("mobile/identity_switch.html")


@bp.post("/switch")
def switch_identity_choice() -> ResponseReturnValue:
    """The person's answer (a CSRF-checked form): keep who they are, or take the link's."""
    pending = _pending_switch()
    session.pop(SWITCH_KEY, None)
    if pending is None:
        return redirect(url_for("mobile.my_bookings"))
    if request.form.get("choice") == "switch":
        found = links.read_person_token(_settings(), pending["t"])
        if found is None:  # expired while the question was open
            session[BAD_LINK_KEY] = True
        else:
            remember(*found)
    return redirect(safe_next(pending.get("next")))


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


@dataclass(frozen=True)
class OpenFromChat:
    """How to open one kind of personal page from the chat: what to reply, what to tap."""

    section: str  # the page's section in the header
    doing: str  # what the page does, in "…需要从公众号里打开"
    replies: tuple[str, ...]  # the words to send in the chat
    tap: str  # what to tap in the reply


# By the view's endpoint (the first matching prefix); booking is the default.
OPEN_FROM_CHAT: tuple[tuple[str, OpenFromChat], ...] = (
    (
        "mobile.event_",
        OpenFromChat(
            "活动报名",
            "报名活动和取消报名",
            ("活动",),
            "“查看活动详情”链接，找到活动后点“我要报名”",
        ),
    ),
    (
        "mobile.my_subscriptions",
        OpenFromChat("订阅", "查看和修改订阅", ("我的订阅",), "“在页面上设置”链接"),
    ),
    (
        "mobile.save_subscriptions",
        OpenFromChat("订阅", "查看和修改订阅", ("我的订阅",), "“在页面上设置”链接"),
    ),
    ("mobile.stop_", OpenFromChat("订阅", "退订消息", ("我的订阅",), "“在页面上设置”链接")),
)
OPEN_BOOKING = OpenFromChat("预约", "预约和查看“我的预约”", ("预约", "我的预约"), "链接")


def open_from_chat(endpoint: str | None) -> OpenFromChat:
    """The wording for the page being opened (one place, so each page says its own)."""
    for prefix, how in OPEN_FROM_CHAT:
        if (endpoint or "").startswith(prefix):
            return how
    return OPEN_BOOKING


def ask_who() -> ResponseReturnValue:
    settings = _settings()
    if oauth_available(settings):
        return start_oauth(settings, _next_target())
    page = render_template(
        "mobile/book_identity.html",
        bad_link=bool(session.pop(BAD_LINK_KEY, False)),
        simulator=settings.simulator_enabled,
        how=open_from_chat(request.endpoint),
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
    remember(openid, int(_now()) + IDENTITY_MAX_AGE_SECONDS)
    return redirect(target)
