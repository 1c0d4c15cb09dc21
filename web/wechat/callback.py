"""POST /wechat as plain WSGI, answered before Flask's request machinery.

WeChat's callback is the one hot path: every message anyone sends. For it Flask
builds a request and an app context, matches the URL, runs the before/after-request
hooks (CSRF, session), wraps the query string and body in werkzeug objects and builds
a Response; under load that was about as much CPU as everything vetbot itself does
for a message (bench/README.md, "gateway"). The callback uses none of it:
bot.gateway takes the query arguments and the body and gives back a status and a
body. So `CallbackFastPath` answers `POST /wechat` itself and passes every other
request (the GET handshake, every page) to Flask untouched.

The same checks apply as in the Flask view (web.wechat.routes, which calls `answer`
too): body limit (413), signature (403), unreadable body (400); an unexpected
exception is logged and answered 500, as Flask would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qsl

from bot import gateway
from core.config import Settings
from core.db import db

log = logging.getLogger(__name__)

PATH = "/wechat"
TOO_LARGE = gateway.Outcome(413, "payload too large")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def answer(
    settings: Settings, args: Mapping[str, str], content_length: int | None, stream: Readable
) -> gateway.Outcome:
    """Read at most the body limit (413 past it), then let the gateway answer."""
    limit = settings.max_body_bytes
    if content_length is not None and content_length > limit:
        return TOO_LARGE
    body = stream.read(limit + 1)
    if len(body) > limit:
        return TOO_LARGE
    return gateway.handle(settings, args, body)


def query_args(query_string: str) -> dict[str, str]:
    """The query's arguments; the first of repeated names, as werkzeug's `args.get`."""
    args: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        args.setdefault(name, value)
    return args


class _Empty:
    """The body of a request that declares none (no Content-Length, not terminated)."""

    def read(self, size: int = -1, /) -> bytes:
        return b""


class CallbackFastPath:
    """WSGI middleware: `POST /wechat` straight to bot.gateway, the rest to `app`."""

    def __init__(self, app: WSGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        try:
            outcome = answer(
                self.settings,
                query_args(environ.get("QUERY_STRING", "")),
                _content_length(environ),
                _body_stream(environ),
            )
        except Exception:
            log.exception("unexpected error answering a WeChat callback")
            outcome = gateway.Outcome(500, "internal error")
        finally:
            db.session.remove()  # what Flask's teardown did; normally nothing is left
        data = outcome.body.encode("utf-8")
        status = HTTPStatus(outcome.status)
        start_response(
            f"{status.value} {status.phrase}",
            [*outcome.headers, ("Content-Length", str(len(data)))],
        )
        return [data]


def _content_length(environ: Mapping[str, Any]) -> int | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def _body_stream(environ: Mapping[str, Any]) -> Readable:
    """The request body, bounded as WSGI requires: by Content-Length, or by the server
    when it says the stream ends with the body (chunked uploads)."""
    stream = environ["wsgi.input"]
    length = _content_length(environ)
    if length is not None:
        return _Bounded(stream, length)
    if environ.get("wsgi.input_terminated"):
        return stream
    return _Empty()


class _Bounded:
    """At most `length` bytes of `stream` (reading past Content-Length would block)."""

    def __init__(self, stream: Readable, length: int) -> None:
        self.stream = stream
        self.left = length

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        if size <= 0:
            return b""
        data = self.stream.read(size)
        self.left -= len(data)
        return data
