"""`/simulator`: a phone-sized WeChat chat that talks to the real `/wechat` callback.

The browser builds the callback XML and posts it to `/wechat` itself, so the
simulator exercises the same path (signature, parsing, dedup, handlers) as WeChat.
Only signing happens here, because the token must never reach the browser.

Everything is 404 in production: `/simulator/sign` signs for anyone who can load
the page, which would let them forge callbacks with the production token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bot import simulate
from bot.menu import MenuError, load_menu
from core.config import Settings
from core.db import db
from core.timeutil import local
from core.wechat.models import OutboxMessage
from web import csrf

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

ACCOUNT_NAME = "嘉定退役军人就业服务（模拟器）"
OPENID_MAX = 64  # OutboxMessage.openid / Person.openid column width
OUTBOX_PAGE = 50

# Approximate town / subdistrict centres in GCJ-02 (what WeChat sends), for testing only.
PRESET_LOCATIONS: tuple[dict[str, Any], ...] = (
    {"name": "安亭镇", "lat": 31.2946, "lon": 121.1630},
    {"name": "嘉定镇街道", "lat": 31.3838, "lon": 121.2503},
    {"name": "南翔镇", "lat": 31.2990, "lon": 121.3130},
    {"name": "江桥镇", "lat": 31.2480, "lon": 121.3270},
    {"name": "马陆镇", "lat": 31.3340, "lon": 121.2790},
)


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


@bp.before_request
def _not_in_production() -> None:
    """A signature oracle must not exist where the token is real."""
    if not _settings().simulator_enabled:
        abort(404)


@bp.get("")
def page() -> ResponseReturnValue:
    """The chat page with the account's menu; its script gets endpoints, never the token."""
    settings = _settings()
    try:
        menu = load_menu(base_url=settings.public_base_url)["button"]
        menu_error = ""
    except MenuError as exc:
        menu, menu_error = [], str(exc)
    config = {
        "account": simulate.ACCOUNT,
        "signUrl": url_for(".sign"),
        "outboxUrl": url_for(".outbox"),
        "wechatUrl": url_for("wechat.receive"),
        "locations": PRESET_LOCATIONS,
        "openidMax": OPENID_MAX,
    }
    return render_template(
        "simulator/index.html",
        account_name=ACCOUNT_NAME,
        config=config,
        menu=menu,
        menu_error=menu_error,
    )


@bp.post("/sign")
@csrf.exempt  # checked below instead, after the production gate, so production says 404
def sign() -> ResponseReturnValue:
    """`{timestamp, nonce, signature}` for one `/wechat` call, for pages holding a CSRF token.

    The CSRF token (header `X-CSRFToken`) means only the simulator page itself can
    get signatures, not another site the developer happens to have open.
    """
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return jsonify(simulate.signed_args(_settings()))


@bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """Pushes stored for one openid after a given id, oldest first, for the page to poll.

    Without WeChat credentials customer-service messages (e.g. a staff reply) land
    in the outbox table instead of WeChat; this is how the simulator shows them.
    """
    openid = request.args.get("openid", "").strip()
    after = request.args.get("after", "0")
    if not openid or len(openid) > OPENID_MAX or not after.isdigit():
        return jsonify(error="需要 openid 和数字 after"), 400
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.openid == openid, OutboxMessage.id > int(after))
        .order_by(OutboxMessage.id)
        .limit(OUTBOX_PAGE)
    ).all()
    return jsonify(messages=[_push(row) for row in rows])


def _push(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "content": row.content,
        "payload": row.payload,
        "created_at": local(row.created_at).strftime("%H:%M") if row.created_at else "",
    }
