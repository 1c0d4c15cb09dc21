"""Build WeChat callback requests as WeChat would: XML bodies and signed query strings.

Used by `vetbot ask`, the simulator page, tests and benchmarks, so every one of them
exercises the real `/wechat` path rather than a shortcut.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from xml.sax.saxutils import escape

from core.config import Settings
from core.timeutil import utcnow

# The times here are WeChat's, not ours, so they come from the system's clock and not
# from core.timeutil: with a test's frozen clock two identical events (same sender, same
# CreateTime) would look like one event retried, and be answered once.
_ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)
ACCOUNT = "gh_vetbot_demo"


def sign(token: str, timestamp: str, nonce: str, extra: str | None = None) -> str:
    parts = sorted(p for p in (token, timestamp, nonce, extra) if p is not None)
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def signed_args(
    settings: Settings, timestamp: str | None = None, nonce: str | None = None
) -> dict[str, str]:
    # The query's timestamp must be within the callback window of the server's clock,
    # which tests may fix: so this one comes from core.timeutil.
    timestamp = timestamp or str(int(utcnow().timestamp()))
    nonce = nonce or secrets.token_hex(8)
    return {
        "signature": sign(settings.wechat_token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(
    openid: str, msg_type: str, fields: dict[str, str | float | int], create_time: int | None = None
) -> str:
    """A callback body; `fields` are WeChat's element names (Content, Location_X, Event…)."""
    create_time = create_time or int(time.time())
    parts = [
        f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName>",
        f"<FromUserName>{_cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        text = _cdata(value) if isinstance(value, str) else escape(str(value))
        parts.append(f"<{name}>{text}</{name}>")
    if msg_type != "event" and "MsgId" not in fields:
        parts.append(f"<MsgId>{next(_ids)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(openid: str, content: str) -> str:
    return message_xml(openid, "text", {"Content": content})


def location_xml(openid: str, latitude: float, longitude: float, label: str = "") -> str:
    return message_xml(
        openid,
        "location",
        {"Location_X": latitude, "Location_Y": longitude, "Scale": 15, "Label": label},
    )


def event_xml(openid: str, event: str, key: str = "") -> str:
    fields: dict[str, str | float | int] = {"Event": event}
    if key:
        fields["EventKey"] = key
    return message_xml(openid, "event", fields)
