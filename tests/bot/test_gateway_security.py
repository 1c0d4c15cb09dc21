"""Signatures, safe mode and hostile bodies: nothing forged or malformed is processed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from bot import simulate
from core.chatlog.models import MessageLog
from tests.wechat import post, reply_fields


def count_logs(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(MessageLog))


def test_wechatpy_public_vector():
    # wechatpy tests/test_utils.py: token "test", timestamp "1410685589", nonce "test".
    assert simulate.sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    check_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "1410685589", "test")


def test_our_signature_check_agrees_with_wechatpys_vector(settings):
    from bot.gateway import signature_ok

    vector = {"signature": "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"}
    vector.update(timestamp="1410685589", nonce="test")
    token_test = settings.with_overrides(wechat_token="test")
    assert signature_ok(token_test, vector)
    assert not signature_ok(token_test, {**vector, "signature": "f" * 40})
    assert not signature_ok(token_test, {**vector, "signature": "签名"})  # not ASCII: no error
    assert not signature_ok(token_test, {"timestamp": "1410685589", "nonce": "test"})


def test_get_verification_echoes(client, settings):
    args = simulate.signed_args(settings)
    response = client.get("/wechat", query_string={**args, "echostr": "hello-123"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello-123"


def test_get_with_bad_signature_is_403(client, settings):
    args = simulate.signed_args(settings)
    args["signature"] = "0" * 40
    response = client.get("/wechat", query_string={**args, "echostr": "hello"})
    assert response.status_code == 403
    assert "hello" not in response.get_data(as_text=True)


def test_post_with_bad_signature_is_403_and_not_processed(client, settings, db_session):
    response = post(client, settings, simulate.text_xml("o-forged", "帮助"), signature="f" * 40)
    assert response.status_code == 403
    assert count_logs(db_session) == 0


def test_post_without_signature_is_403(client, settings, db_session):
    response = client.post(
        "/wechat", data=simulate.text_xml("o-x", "帮助").encode(), content_type="text/xml"
    )
    assert response.status_code == 403
    assert count_logs(db_session) == 0


def _crypto(settings) -> WeChatCrypto:
    return WeChatCrypto(
        settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id
    )


def test_safe_mode_round_trip(client, settings):
    """Encrypt as WeChat would, post, decrypt the reply with the same library."""
    crypto = _crypto(settings)
    timestamp, nonce = str(int(time.time())), "n0nce42"
    encrypted = crypto.encrypt_message(simulate.text_xml("o-aes", "帮助"), nonce, timestamp)
    fields = reply_fields_from_text(encrypted)
    args = simulate.signed_args(settings, timestamp, nonce)
    args.update(encrypt_type="aes", msg_signature=fields["MsgSignature"])
    response = client.post(
        "/wechat", query_string=args, data=encrypted.encode(), content_type="text/xml"
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<Encrypt>" in body
    assert "帮助" not in body
    out = reply_fields_from_text(body)
    plain = crypto.decrypt_message(body, out["MsgSignature"], out["TimeStamp"], out["Nonce"])
    assert "人工" in reply_fields_from_text(plain)["Content"]


def test_compatible_mode_uses_the_encrypted_part(client, settings):
    """Compatible mode carries both forms; the encrypted one is authoritative."""
    crypto = _crypto(settings)
    timestamp, nonce = str(int(time.time())), "compat1"
    inner = simulate.text_xml("o-compat", "帮助")
    encrypted = reply_fields_from_text(crypto.encrypt_message(inner, nonce, timestamp))
    body = inner.replace("</xml>", f"<Encrypt><![CDATA[{encrypted['Encrypt']}]]></Encrypt></xml>")
    args = simulate.signed_args(settings, timestamp, nonce)
    args.update(encrypt_type="aes", msg_signature=encrypted["MsgSignature"])
    response = client.post(
        "/wechat", query_string=args, data=body.encode(), content_type="text/xml"
    )
    assert response.status_code == 200
    assert "<Encrypt>" in response.get_data(as_text=True)


def test_safe_mode_bad_msg_signature_is_403(client, settings, db_session):
    crypto = _crypto(settings)
    timestamp, nonce = str(int(time.time())), "nonce"
    encrypted = crypto.encrypt_message(simulate.text_xml("o-aes2", "帮助"), nonce, timestamp)
    args = simulate.signed_args(settings, timestamp, nonce)
    args.update(encrypt_type="aes", msg_signature="0" * 40)
    response = client.post(
        "/wechat", query_string=args, data=encrypted.encode(), content_type="text/xml"
    )
    assert response.status_code == 403
    assert count_logs(db_session) == 0


def test_safe_mode_garbage_ciphertext_is_400(client, settings):
    timestamp, nonce = str(int(time.time())), "nonce"
    garbage = "QUJDREVGR0g="  # valid base64, not a WeChat ciphertext
    body = f"<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    args = simulate.signed_args(settings, timestamp, nonce)
    args.update(
        encrypt_type="aes",
        msg_signature=simulate.sign(settings.wechat_token, timestamp, nonce, garbage),
    )
    response = client.post(
        "/wechat", query_string=args, data=body.encode(), content_type="text/xml"
    )
    assert response.status_code == 400


def reply_fields_from_text(text: str) -> dict[str, str]:
    import xmltodict

    return dict(xmltodict.parse(text)["xml"])


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS.encode(),
        EXTERNAL_ENTITY.encode(),
        b"<xml><ToUserName>a</ToUserName>",  # truncated
        b"not xml at all",
        b"",
        b"<root><a>1</a></root>",  # wrong root
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>中文</Content><MsgId>3</MsgId></xml>".encode("gbk"),
        b"<xml><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime>"
        b"<MsgType>text</MsgType><Content>x</Content></xml>",
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>event</MsgType></xml>",
        b"<xml><ToUserName>a</ToUserName>" + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + b"</xml>",
        b"<xml><ToUserName>a</ToUserName></xml><xml></xml>",
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "truncated",
        "not-xml",
        "empty",
        "wrong-root",
        "gbk",
        "missing-to-user",
        "bad-create-time",
        "event-without-event",
        "deeply-nested",
        "two-roots",
    ],
)
def test_hostile_or_broken_bodies_are_400_and_the_app_lives_on(client, settings, db_session, body):
    response = post(client, settings, body)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "etc/passwd" not in text
    assert "root:" not in text
    assert count_logs(db_session) == 0
    # The process is fine: a normal message right after is answered.
    assert (
        "人工"
        in reply_fields(post(client, settings, simulate.text_xml("o-after", "帮助")))["Content"]
    )


def test_oversized_body_is_413(client, settings, db_session):
    big = simulate.text_xml("o-big", "长" * 30_000)  # ~90 KB of UTF-8
    response = post(client, settings, big)
    assert response.status_code == 413
    assert count_logs(db_session) == 0
