"""POST /wechat as plain WSGI ahead of Flask: same answers, same limits, the rest untouched."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

from bot import gateway, simulate
from bot.inbound import parse_message
from bot.reply import Reply
from bot.router import router
from core.cache import cache
from tests.wechat import post, reply_fields


def _environ(settings, body: bytes, **extra) -> dict:
    query = "&".join(f"{k}={v}" for k, v in simulate.signed_args(settings).items())
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/wechat",
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "text/xml",
    }
    environ.update(extra)
    return {k: v for k, v in environ.items() if v is not None}


def _call(app, environ) -> tuple[str, dict[str, str], bytes]:
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app.wsgi_app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_a_message_is_answered_with_exact_headers(app, settings):
    body = simulate.text_xml("o-fast-1", "帮助").encode()
    status, headers, data = _call(app, _environ(settings, body))
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    assert headers["Content-Length"] == str(len(data))
    assert "人工" in ET.fromstring(data).findtext("Content")


def test_the_body_limit_holds_on_the_declared_length_alone(app, settings):
    # The header says too much: refused before a byte of the body is read.
    environ = _environ(settings, b"<xml/>", CONTENT_LENGTH=str(settings.max_body_bytes + 1))
    status, _, data = _call(app, environ)
    assert status == "413 Request Entity Too Large"
    assert data == b"payload too large"
    # A chunked upload (no length, the server ends the stream) is cut at the limit.
    big = simulate.text_xml("o-fast-2", "长" * 30_000).encode()
    environ = _environ(settings, big, CONTENT_LENGTH=None)
    environ["wsgi.input_terminated"] = True
    assert _call(app, environ)[0].startswith("413")


def test_a_body_without_a_length_is_not_read(app, settings):
    body = simulate.text_xml("o-fast-3", "帮助").encode()
    status, _, _ = _call(app, _environ(settings, body, CONTENT_LENGTH=None))
    assert status.startswith("400")  # nothing to read: an empty body, not a hang


def test_everything_else_still_goes_to_flask(client, settings):
    args = simulate.signed_args(settings)
    assert client.get("/wechat", query_string={**args, "echostr": "e1"}).text == "e1"
    assert client.post("/wechat/", data=b"x").status_code in (404, 405)
    assert client.get("/healthz").status_code == 200


def test_an_unexpected_error_is_a_logged_500(app, settings, monkeypatch, caplog):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(gateway, "handle", broken)
    status, _, data = _call(app, _environ(settings, simulate.text_xml("o-x", "帮助").encode()))
    assert status == "500 Internal Server Error"
    assert b"boom" not in data
    assert any(r.exc_info and "WeChat callback" in r.getMessage() for r in caplog.records)


def test_reply_text_cannot_end_its_cdata_section():
    message = parse_message(simulate.text_xml("o-cdata", "x"))
    xml = gateway.render(Reply(text="a ]]> <b>&amp; ]]]]> z"), message)
    root = ET.fromstring(xml)
    assert root.findtext("Content") == "a ]]> <b>&amp; ]]]]> z"
    assert root.findtext("ToUserName") == "o-cdata"
    assert root.findtext("FromUserName") == simulate.ACCOUNT


def test_a_retry_before_the_reply_is_stored_waits_for_it(client, settings, monkeypatch):
    """The reply reaches Redis a few milliseconds after the answer (a batched write); a
    retry in between finds the claim still pending, waits, and gets the same reply."""
    calls: list[float] = []
    rule = next(r for r in router.keyword_rules if r.name == "help.show_help")
    original = rule.func

    def counted(ctx):
        calls.append(time.monotonic())
        return original(ctx)

    monkeypatch.setattr(rule, "func", counted)
    cache.deferred.flush()
    monkeypatch.setattr(cache.deferred._batcher, "wait_seconds", 0.3)  # a slow batch
    xml = simulate.message_xml("o-early", "text", {"Content": "帮助", "MsgId": "910001"})
    args = simulate.signed_args(settings)
    first = client.post("/wechat", query_string=args, data=xml.encode(), content_type="text/xml")
    assert cache.get(cache.key("dedup", "msg:910001")) == "pending"
    second = post(client, settings, xml)
    assert len(calls) == 1
    assert reply_fields(second)["Content"] == reply_fields(first)["Content"]
