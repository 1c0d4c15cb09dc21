"""A stand-in for WeChat's API on 127.0.0.1, for tests and benchmarks.

It speaks WeChat's JSON for the endpoints vetbot uses, keeps WeChat's token rules
(``/cgi-bin/token`` invalidates older tokens, ``stable_token`` returns the valid one
unless forced), records every call, and lets a test queue failures per path.
Kept lean (keep-alive, no logging, no per-call parsing beyond JSON) so a benchmark can
push thousands of calls through it with an added latency.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN_LIFETIME = 7200

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40016: "invalid button size",
    40029: "invalid code",
    40125: "invalid appsecret",
    42001: "access_token expired",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    40163: "code been used",
    40130: "invalid openid list size, at least two openid",
    47001: "data format error",
}


@dataclass(frozen=True)
class Call:
    path: str  # e.g. "/cgi-bin/message/custom/send"
    query: dict[str, str]
    body: Any  # parsed JSON, the raw text if it was not JSON, None for a GET
    time: float  # time.monotonic() on arrival


@dataclass(frozen=True)
class HTTPError:
    """Inject: answer with this HTTP status and a non-JSON body."""

    status: int = 500


@dataclass(frozen=True)
class Hang:
    """Inject: say nothing for this long (or until close), then drop the connection."""

    seconds: float = 5.0


# An injected outcome: a WeChat errcode, an HTTP error, a hang, or a hook that runs
# inside the request and returns one of those (or None to answer normally).
Injected = int | HTTPError | Hang | Callable[[Call], Any]


def _full_path(path: str) -> str:
    return path if path.startswith("/") else "/cgi-bin/" + path


class WeChatStandIn:
    """The server; use as a context manager or call ``close()``."""

    def __init__(self, app_id: str | None = None, secret: str | None = None) -> None:
        self.app_id, self.secret = app_id, secret  # None: accept any credentials
        self.latency = 0.0  # seconds added to every call
        self.calls: list[Call] = []
        self.delivered: list[tuple[str, str]] = []  # (path, openid) of every accepted message
        self.token_fetches = 0
        self._lock = threading.Lock()
        self._serial = 0
        self._msgid = 1000
        self._tokens: dict[str, float] = {}  # valid token -> monotonic expiry
        self._current: str | None = None
        self._injected: dict[str, deque[Injected]] = {}
        self._injected_for: dict[str, deque[Injected]] = {}  # by the message's openid
        self._oauth_codes: dict[str, str | None] = {}  # code -> openid; None once used
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def __enter__(self) -> WeChatStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()  # ends hangs early
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    # -- test controls ----------------------------------------------------------
    def inject(self, path: str, *outcomes: Injected) -> None:
        """Queue outcomes for the next calls to ``path`` ("message/custom/send" or a full path)."""
        with self._lock:
            self._injected.setdefault(_full_path(path), deque()).extend(outcomes)

    def inject_for(self, openid: str, *outcomes: Injected) -> None:
        """Queue outcomes for the next messages to ``openid`` (any message path)."""
        with self._lock:
            self._injected_for.setdefault(openid, deque()).extend(outcomes)

    def delivered_to(self) -> dict[str, int]:
        """How many messages each openid was sent successfully (mass sends count per openid)."""
        counts: dict[str, int] = {}
        with self._lock:
            for _path, openid in self.delivered:
                counts[openid] = counts.get(openid, 0) + 1
        return counts

    def calls_to(self, path: str) -> list[Call]:
        full = _full_path(path)
        with self._lock:
            return [c for c in self.calls if c.path == full]

    def issue_token(self) -> str:
        """A new token that invalidates the others, as another client's refresh would."""
        with self._lock:
            return self._issue()

    def expire_tokens(self) -> None:
        """Invalidate every token, as WeChat does when someone else calls /cgi-bin/token."""
        with self._lock:
            self._tokens.clear()
            self._current = None

    def oauth_code(self, openid: str) -> str:
        """A one-time web-authorisation code for `openid`, as WeChat appends to redirect_uri."""
        with self._lock:
            self._serial += 1
            code = f"CODE-{self._serial}"
            self._oauth_codes[code] = openid
            return code

    @property
    def valid_tokens(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            return [t for t, exp in self._tokens.items() if exp > now]

    # -- WeChat's behaviour -------------------------------------------------------
    def _issue(self) -> str:
        self._serial += 1
        token = f"TOKEN-{self._serial}"
        self._tokens = {token: time.monotonic() + TOKEN_LIFETIME}
        self._current = token
        return token

    def _credentials_error(self, appid: Any, secret: Any) -> dict[str, Any] | None:
        if self.app_id is not None and appid != self.app_id:
            return _err(40013)
        if self.secret is not None and secret != self.secret:
            return _err(40125)
        return None

    def handle(self, call: Call) -> tuple[int, dict[str, Any]] | HTTPError | Hang:
        with self._lock:
            self.calls.append(call)
            queue = self._injected.get(call.path)
            outcome: Any = queue.popleft() if queue else None
            touser = call.body.get("touser") if isinstance(call.body, dict) else None
            if outcome is None and isinstance(touser, str):
                mine = self._injected_for.get(touser)
                outcome = mine.popleft() if mine else None
        if self.latency:
            time.sleep(self.latency)
        if callable(outcome):
            outcome = outcome(call)
        if isinstance(outcome, HTTPError | Hang):
            return outcome
        if isinstance(outcome, int):
            return 200, _err(outcome)
        return 200, self._route(call)

    def _oauth_exchange(self, query: dict[str, str]) -> dict[str, Any]:
        """sns/oauth2/access_token: a code works once, for the app it was issued to."""
        problem = self._credentials_error(query.get("appid"), query.get("secret"))
        if problem:
            return problem
        code = query.get("code", "")
        if query.get("grant_type") != "authorization_code" or code not in self._oauth_codes:
            return _err(40029)
        openid = self._oauth_codes[code]
        if openid is None:
            return _err(40163)
        self._oauth_codes[code] = None
        return {
            "access_token": f"WEBTOKEN-{code}",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": f"REFRESH-{code}",
            "openid": openid,
            "scope": "snsapi_base",
        }

    def _route(self, call: Call) -> dict[str, Any]:
        """WeChat's answer to a call, by its path; each kind of endpoint has its own method.

        Every call needs a valid token except those that fetch one and the OAuth exchange
        (which the app's secret authorises); an accepted call takes the next msgid.
        """
        body = call.body if isinstance(call.body, dict) else {}
        with self._lock:
            if call.path == "/sns/oauth2/access_token":
                return self._oauth_exchange(call.query)
            if call.path in TOKEN_PATHS:
                return self._token(call.path, call.query if call.path == TOKEN_PATH else body)
            token = call.query.get("access_token", "")
            refused = self._token_error(token)
            if refused:
                return refused
            self._msgid += 1
            msgid = self._msgid
        if call.path in MESSAGE_PATHS:
            return self._message(call, msgid)
        if call.path == "/cgi-bin/menu/create":
            return _menu_create(body)
        if call.path == "/cgi-bin/ticket/getticket":
            ticket = f"TICKET-{token}"
            return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": TOKEN_LIFETIME}
        return {"errcode": 48001, "errmsg": "api unauthorized"}

    def _token(self, path: str, args: dict[str, Any]) -> dict[str, Any]:
        """/cgi-bin/token always issues a new token; stable_token returns the valid one unless
        asked to force a refresh (or none is valid). Called with the lock held."""
        now = time.monotonic()
        self.token_fetches += 1
        problem = self._credentials_error(args.get("appid"), args.get("secret"))
        if problem:
            return problem
        current = self._current
        fresh = path == TOKEN_PATH or bool(args.get("force_refresh"))
        if fresh or current is None or self._tokens.get(current, 0) <= now:
            current = self._issue()
        remaining = int(self._tokens[current] - now)
        return {"access_token": current, "expires_in": remaining}

    def _token_error(self, token: str) -> dict[str, Any] | None:
        """WeChat's error for a token it never issued (or replaced) or one expired; None if
        valid. Called with the lock held."""
        if token not in self._tokens:
            return _err(40001)
        if self._tokens[token] <= time.monotonic():
            return _err(42001)
        return None

    def _message(self, call: Call, msgid: int) -> dict[str, Any]:
        """A message to one person, or a mass send to a list of two or more: recorded as
        delivered once accepted."""
        if call.body is None:
            return _err(44002)
        if not isinstance(call.body, dict):
            return _err(47001)
        touser = call.body.get("touser")
        if not touser:
            return _err(40003)
        if call.path == "/cgi-bin/message/mass/send":
            if not isinstance(touser, list) or len(touser) < 2:
                return _err(40130)
            with self._lock:
                self.delivered.extend((call.path, str(o)) for o in touser)
            return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msgid}
        with self._lock:
            self.delivered.append((call.path, str(touser)))
        if call.path.endswith("custom/send"):
            return _err(0)
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def _menu_create(body: dict[str, Any]) -> dict[str, Any]:
    """A menu has one to three top-level buttons."""
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return _err(40016)
    return _err(0)


TOKEN_PATH = "/cgi-bin/token"
TOKEN_PATHS = frozenset({TOKEN_PATH, "/cgi-bin/stable_token"})
MESSAGE_PATHS = frozenset(
    {
        "/cgi-bin/message/custom/send",
        "/cgi-bin/message/template/send",
        "/cgi-bin/message/subscribe/bizsend",
        "/cgi-bin/message/mass/send",
    }
)


def _err(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": ERRMSGS.get(errcode, "ok" if errcode == 0 else "error")}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() must not wait for hanging handlers
    request_queue_size = 256
    standin: WeChatStandIn

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: requests.Session reuses connections
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length) if length else b"")

    def _answer(self, raw: bytes | None) -> None:
        url = urlsplit(self.path)
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        standin = self.server.standin
        outcome = standin.handle(Call(url.path, dict(parse_qsl(url.query)), body, time.monotonic()))
        if isinstance(outcome, Hang):
            standin._closing.wait(outcome.seconds)
            self.close_connection = True
            return
        if isinstance(outcome, HTTPError):
            status, ctype = outcome.status, "text/plain"
            data = HTTPStatus(status).phrase.encode()
        else:
            status, ctype = outcome[0], "application/json; charset=utf-8"
            data = json.dumps(outcome[1], ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
