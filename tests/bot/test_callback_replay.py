"""Attacks on the callback's signature: echoed markup, stale, reused and plain callbacks.

Each test first reproduces what an adversarial pass did (issue 16), then shows it refused.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot import simulate
from core.cache import cache
from core.chatlog.activity_log import activity_writer
from core.chatlog.models import MessageLog
from core.config import load_settings
from core.people.models import HandoverRequest
from tests.clock import frozen_clock
from tests.wechat import post, reply_fields

DEAD_REDIS = "redis://127.0.0.1:1/0"
XHTML_SCRIPT = (
    '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(document.cookie)</script></html>'
)


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def post_with(client, args: dict[str, str], xml: str):
    response = client.post("/wechat", query_string=args, data=xml.encode(), content_type="text/xml")
    activity_writer.flush()
    cache.deferred.flush()
    return response


# -- GET /wechat: the echo ---------------------------------------------------------------


def test_a_signed_echo_of_markup_is_not_echoed(client, settings):
    args = {**simulate.signed_args(settings), "echostr": XHTML_SCRIPT}
    response = client.get("/wechat", query_string=args)
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)
    assert "xml" not in response.content_type


def test_the_echo_is_plain_text_and_not_sniffed(client, settings):
    args = {**simulate.signed_args(settings), "echostr": "5839907284805129867"}
    response = client.get("/wechat", query_string=args)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "5839907284805129867"
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stale_handshake_is_refused(client, settings):
    args = {**simulate.signed_args(settings, timestamp="1580000000"), "echostr": "12345"}
    response = client.get("/wechat", query_string=args)
    assert response.status_code == 403
    assert "12345" not in response.get_data(as_text=True)


def test_post_replies_carry_nosniff(client, settings):
    response = post(client, settings, simulate.text_xml("o-sniff", "帮助"))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- the time window ----------------------------------------------------------------------


def test_a_2020_timestamp_is_refused_and_nothing_runs(client, settings, db_session):
    args = simulate.signed_args(settings, timestamp="1580000000", nonce="123456")
    response = post_with(client, args, simulate.text_xml("o-old", "人工 旧请求"))
    assert response.status_code == 403
    assert count(db_session, MessageLog) == 0
    assert count(db_session, HandoverRequest) == 0


def test_a_timestamp_far_ahead_is_refused(client, settings, db_session):
    ahead = str(int(time.time()) + settings.wechat_callback_window_seconds + 60)
    response = post_with(client, simulate.signed_args(settings, timestamp=ahead), "<xml/>")
    assert response.status_code == 403


def test_empty_timestamp_and_nonce_are_refused(client, settings, db_session):
    """A signature over the token alone (empty timestamp and nonce) used to pass."""
    args = {"signature": simulate.sign(settings.wechat_token, "", ""), "timestamp": "", "nonce": ""}
    response = post_with(client, args, simulate.text_xml("o-empty", "帮助"))
    assert response.status_code == 403
    assert count(db_session, MessageLog) == 0


def test_a_callback_inside_the_window_is_answered(client, settings, db_session):
    """Our clock four minutes behind WeChat's is still inside the default five."""
    now = datetime.now(UTC)
    args = simulate.signed_args(settings, timestamp=str(int(now.timestamp()) + 240))
    response = post_with(client, args, simulate.text_xml("o-skew", "帮助"))
    assert response.status_code == 200
    assert "人工" in reply_fields(response)["Content"]


def test_the_window_and_safe_mode_come_from_the_environment():
    settings = load_settings(
        {"WECHAT_CALLBACK_WINDOW_SECONDS": "120", "WECHAT_REQUIRE_SAFE_MODE": "1"}
    )
    assert settings.wechat_callback_window_seconds == 120
    assert settings.wechat_require_safe_mode
    defaults = load_settings({})
    assert defaults.wechat_callback_window_seconds == 300
    assert not defaults.wechat_require_safe_mode


# -- replay memory ------------------------------------------------------------------------


def test_one_signature_cannot_carry_other_bodies(client, settings, db_session):
    args = simulate.signed_args(settings)
    first = post_with(client, args, simulate.text_xml("o-victim", "帮助"))
    assert first.status_code == 200
    for openid, text in (("o-victim", "人工 改过的正文"), ("o-someone-else", "人工 冒名")):
        forged = post_with(client, args, simulate.text_xml(openid, text))
        assert forged.status_code == 403
    assert count(db_session, HandoverRequest) == 0
    assert count(db_session, MessageLog) == 2  # the first message and its reply


def test_a_byte_identical_retry_gets_the_stored_reply_once(client, settings, db_session):
    args = simulate.signed_args(settings)
    xml = simulate.message_xml("o-retry", "text", {"Content": "人工 想问就业补贴"})
    first = post_with(client, args, xml)
    again = post_with(client, args, xml)
    assert first.status_code == again.status_code == 200
    assert reply_fields(first)["Content"] == reply_fields(again)["Content"]
    assert count(db_session, HandoverRequest) == 1


def test_a_replay_62_seconds_later_runs_nothing_again(client, settings, db_session, monkeypatch):
    """The adversarial pass replayed a 人工 request after 62 s and got a second note."""
    start = datetime.now(UTC).replace(microsecond=0)
    with frozen_clock(monkeypatch, start):
        args = simulate.signed_args(settings)
        xml = simulate.message_xml("o-replay", "text", {"Content": "人工 帮我看看"})
        first = post_with(client, args, xml)
    with frozen_clock(monkeypatch, start + timedelta(seconds=62)):
        again = post_with(client, args, xml)
    assert reply_fields(first)["Content"] == reply_fields(again)["Content"]
    assert count(db_session, HandoverRequest) == 1


def test_retry_memory_outlasts_the_window(client, settings):
    """Redis must remember the query and the reply as long as the window accepts them:
    a replay at 62 s found the 60-second dedup key gone and ran the handler again."""
    args = simulate.signed_args(settings)
    xml = simulate.message_xml("o-ttl", "text", {"Content": "帮助", "MsgId": "7700123"})
    assert post_with(client, args, xml).status_code == 200
    if not cache.available:
        pytest.skip("needs Redis")
    lasts = 2 * settings.wechat_callback_window_seconds
    triple = (args["timestamp"], args["nonce"], args["signature"])
    assert cache.call("ttl", cache.key("callback", *triple)) >= lasts
    assert cache.call("ttl", cache.key("dedup", "msg:7700123")) >= lasts


def test_with_redis_down_a_reused_signature_is_still_refused(make_app, settings, db_session):
    client = make_app(redis_url=DEAD_REDIS).test_client()
    args = simulate.signed_args(settings)
    xml = simulate.message_xml("o-down", "text", {"Content": "人工 急事"})
    first = post_with(client, args, xml)
    assert first.status_code == 200
    again = post_with(client, args, xml)
    assert reply_fields(again)["Content"] == reply_fields(first)["Content"]
    forged = post_with(client, args, simulate.text_xml("o-down-other", "人工 冒名"))
    assert forged.status_code == 403
    assert count(db_session, HandoverRequest) == 1


# -- safe mode ----------------------------------------------------------------------------


def _encrypted(settings, xml: str) -> tuple[dict[str, str], str]:
    crypto = WeChatCrypto(
        settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id
    )
    timestamp, nonce = str(int(time.time())), "8812345"
    encrypted = crypto.encrypt_message(xml, nonce, timestamp)
    args = simulate.signed_args(settings, timestamp, nonce)
    signature = encrypted.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    args.update(encrypt_type="aes", msg_signature=signature)
    return args, encrypted


def test_required_safe_mode_refuses_plain_callbacks(make_app, settings, db_session):
    client = make_app(wechat_require_safe_mode=True).test_client()
    plain = post(client, settings, simulate.text_xml("o-plain", "人工 明文"))
    assert plain.status_code == 403
    assert count(db_session, MessageLog) == 0
    args, body = _encrypted(settings, simulate.text_xml("o-safe", "帮助"))
    safe = post_with(client, args, body)
    assert safe.status_code == 200
    assert "<Encrypt>" in safe.get_data(as_text=True)


def test_plain_callbacks_are_accepted_unless_safe_mode_is_required(client, settings):
    assert post(client, settings, simulate.text_xml("o-plain-ok", "帮助")).status_code == 200
