"""Outbound calls to WeChat: 客服消息, template messages, the menu and the JS-SDK ticket.

Why more than ``wechatpy.WeChatClient``: ``/cgi-bin/token`` invalidates the previous
token, so gunicorn workers share one token in Redis and one at a time refreshes it. We
fetch with ``/cgi-bin/stable_token``, which returns the same token while it is valid, so
a worker cut off from Redis can fetch alone without breaking the rest. wechatpy fetches
with no timeout from a hard-coded host and its 40001 retry can recurse forever, so
fetching, timeouts and retries live here. Callers must tell "outside the 48-hour window"
(tell staff, never retry) from "WeChat hiccupped" (retried with backoff): hence the
exception classes, each with a Chinese message staff can read as it is.

A retried timeout may deliver a message twice; a duplicate beats a silent loss.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import requests
import requests.adapters
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from core.cache import Cache
from core.config import Settings

log = logging.getLogger(__name__)

_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TEMPLATE_VALUE_MAX_CHARS = 20  # WeChat's cap on template fields since 2023-05
_POLL_SECONDS = 0.02

_USER_MESSAGES = {
    40001: "微信接口凭证无效，请联系管理员",
    40014: "微信接口凭证无效，请联系管理员",
    42001: "微信接口凭证已过期，请稍后再试",
    40003: "用户标识（openid）无效",
    40013: "公众号 AppID 配置错误，请联系管理员",
    40125: "公众号 AppSecret 配置错误，请联系管理员",
    40164: "服务器 IP 不在公众号白名单中，请联系管理员",
    40037: "模板消息的模板 ID 无效",
    43004: "用户未关注公众号，无法发送消息",
}


class WeChatAPIError(Exception):
    """A call WeChat refused or that could not be made; ``user_message`` is fit for staff."""

    default_message = "微信接口调用失败（错误码 {errcode}）"

    def __init__(self, errcode: int | None, errmsg: str, user_message: str | None = None) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.user_message = (
            user_message
            or _USER_MESSAGES.get(errcode or 0)
            or self.default_message.format(errcode=errcode)
        )


class OutsideServiceWindow(WeChatAPIError):
    default_message = "超出48小时客服消息时限或用户已取消关注"


class TooManyMessages(WeChatAPIError):
    default_message = "客服消息下发条数超过上限"


class QuotaExceeded(WeChatAPIError):
    default_message = "接口调用超过今日限额"


class TransientError(WeChatAPIError):
    default_message = "微信服务暂时不可用，请稍后再试"


_ERROR_CLASSES: dict[int, type[WeChatAPIError]] = {
    45015: OutsideServiceWindow,
    45047: TooManyMessages,
    45009: QuotaExceeded,
    -1: TransientError,
}


def _error(errcode: int, errmsg: str) -> WeChatAPIError:
    return _ERROR_CLASSES.get(errcode, WeChatAPIError)(errcode, errmsg)


def _truncate(value: str) -> str:
    """WeChat rejects the whole message when one field is too long; an ellipsis shows the cut."""
    if len(value) <= TEMPLATE_VALUE_MAX_CHARS:
        return value
    return value[: TEMPLATE_VALUE_MAX_CHARS - 1] + "…"


class _Client(WeChatClient):
    """wechatpy's API objects, pointed at our base URL and fed the token of the current call."""

    def __init__(self, owner: WeChatAPI, settings: Settings) -> None:
        super().__init__(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            timeout=settings.wechat_api_timeout,
            auto_retry=False,
        )
        self.API_BASE_URL = settings.wechat_api_base_url + "cgi-bin/"
        self.owner = owner
        self.call_token = threading.local()

    @property
    def access_token(self) -> str:
        # The retry logic must know which token a failed call used, so it pins it per thread.
        token: str | None = getattr(self.call_token, "value", None)
        return token or self.owner.access_token()


class WeChatAPI:
    """One per process is enough; it is thread-safe and shares the token through Redis."""

    TOKEN_SAFETY_MARGIN = 300  # seconds a token is dropped from Redis before WeChat expires it
    BACKOFF_SECONDS = 0.5

    def __init__(
        self,
        settings: Settings,
        cache: Cache,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 3,
    ) -> None:
        self._settings = settings
        self._cache = cache
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._client = _Client(self, settings)
        self._local_lock = threading.Lock()
        self._local: dict[str, tuple[str, float]] = {}  # name -> (value, monotonic expiry)
        timeout = settings.wechat_api_timeout
        self._lock_ttl = max(2, math.ceil(timeout) + 1)
        self._lock_wait = timeout + 1.0

    # -- access_token -------------------------------------------------------------
    def access_token(self) -> str:
        """The shared token; fetched here only when no worker has one."""
        return self._token(stale=None)

    def _key(self, *parts: str) -> str:
        # Built per use: the cache may be configured after this object is created.
        return self._cache.key("wechat", *parts)

    def _store(self, name: str, value: str, expires_in: int) -> None:
        """Share until shortly before WeChat expires it; keep a copy for Redis outages."""
        ttl = max(1, expires_in - min(self.TOKEN_SAFETY_MARGIN, expires_in // 2))
        self._cache.set(self._key(name), value, ttl)
        self._remember(name, value, ttl)

    def _remember(self, name: str, value: str, ttl: float) -> None:
        current = self._local.get(name)
        expiry = time.monotonic() + ttl
        if current and current[0] == value:
            expiry = max(expiry, current[1])
        self._local[name] = (value, expiry)

    def _recall(self, name: str) -> str | None:
        entry = self._local.get(name)
        return entry[0] if entry and entry[1] > time.monotonic() else None

    def _token(self, stale: str | None) -> str:
        """A usable token; ``stale`` is one WeChat just rejected and must not come back."""
        current = self._cache.get(self._key("access_token"))
        if current and current != stale:
            # Redis drops tokens early, so one seen there outlives a short local reuse.
            self._remember("access_token", current, self.TOKEN_SAFETY_MARGIN)
            return current
        if not self._cache.available:
            return self._token_without_redis(stale)
        return self._token_from_refresher(stale)

    def _token_without_redis(self, stale: str | None) -> str:
        """Degraded mode: stable_token makes a per-process token safe for the other workers.

        Without Redis a rejected token may just be one another worker replaced, so ask for
        the current token first and force only if WeChat hands back the rejected one; forcing
        straight away would have degraded workers invalidate each other's tokens in turn.
        """
        with self._local_lock:
            local = self._recall("access_token")
            if local and local != stale:
                return local
            token = self._fetch_token(force=False)
            if stale is not None and token == stale:
                token = self._fetch_token(force=True)
            return token

    def _token_from_refresher(self, stale: str | None) -> str:
        """Let one worker fetch while the others wait for its token to appear in Redis."""
        lock_key, me = self._key("access_token", "lock"), uuid.uuid4().hex
        taken = self._cache.set_nx(lock_key, me, self._lock_ttl)
        if taken is None:
            return self._token_without_redis(stale)
        if taken:
            try:
                current = self._cache.get(self._key("access_token"))
                if current and current != stale:
                    return current  # refreshed by someone between our read and our lock
                return self._fetch_token(force=stale is not None)
            finally:
                if self._cache.get(lock_key) == me:
                    self._cache.delete(lock_key)
        deadline = time.monotonic() + self._lock_wait
        while time.monotonic() < deadline and self._cache.available:
            time.sleep(_POLL_SECONDS)
            current = self._cache.get(self._key("access_token"))
            if current and current != stale:
                self._remember("access_token", current, self.TOKEN_SAFETY_MARGIN)
                return current
        # The refresher is stuck or gone; an unforced stable_token cannot hurt anyone.
        log.warning("No shared access_token after %.1fs; fetching our own", self._lock_wait)
        return self._fetch_token(force=False)

    def _fetch_token(self, *, force: bool) -> str:
        """Ask stable_token; force only when WeChat rejected the token we hold."""
        body = {
            "grant_type": "client_credential",
            "appid": self._settings.wechat_app_id,
            "secret": self._settings.wechat_app_secret,
            "force_refresh": force,
        }
        url = self._settings.wechat_api_base_url + "cgi-bin/stable_token"
        try:
            res = self._client._http.post(url, json=body, timeout=self._settings.wechat_api_timeout)
        except requests.RequestException as exc:
            raise TransientError(None, f"stable_token: {type(exc).__name__}: {exc}") from exc
        if res.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise TransientError(None, f"stable_token: HTTP {res.status_code}")
        try:
            data = res.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise WeChatAPIError(None, f"stable_token: HTTP {res.status_code}, body is not JSON")
        errcode = int(data.get("errcode") or 0)
        if errcode:
            raise _error(errcode, str(data.get("errmsg", "")))
        if "access_token" not in data:
            raise WeChatAPIError(None, "stable_token: no access_token in the answer")
        token, expires_in = str(data["access_token"]), int(data.get("expires_in", 7200))
        self._store("access_token", token, expires_in)
        log.info("Fetched WeChat access_token (force_refresh=%s, expires_in=%s)", force, expires_in)
        return token

    # -- calls ----------------------------------------------------------------------
    def _invoke(self, fn: Callable[[], Any], token: str) -> dict[str, Any]:
        """Run one wechatpy call with ``token`` and turn its failures into ours."""
        self._client.call_token.value = token
        try:
            result = fn()
        except requests.RequestException as exc:  # timeouts, refused or reset connections
            raise TransientError(None, f"{type(exc).__name__}: {exc}") from exc
        except WeChatClientException as exc:
            if exc.errcode is not None:
                raise _error(int(exc.errcode), str(exc.errmsg)) from exc
            status = getattr(exc.response, "status_code", None)
            server_side = status is None or status >= HTTPStatus.INTERNAL_SERVER_ERROR
            cls = TransientError if server_side else WeChatAPIError
            raise cls(None, f"HTTP {status}") from exc
        finally:
            self._client.call_token.value = None
        if not isinstance(result, dict):
            raise TransientError(None, "response is not JSON")
        return result

    def _call(self, what: str, fn: Callable[[], Any]) -> dict[str, Any]:
        """Retry what a retry can fix, refresh a rejected token once, and nothing else."""
        stale: str | None = None
        failures = 0
        while True:
            token: str | None = None
            try:
                token = self._token(stale)
                return self._invoke(fn, token)
            except WeChatAPIError as exc:
                transient = isinstance(exc, TransientError)
                failures += transient
                log.warning("WeChat %s failed (errcode=%s): %s", what, exc.errcode, exc.errmsg)
                if exc.errcode in TOKEN_ERRORS and token is not None and stale is None:
                    stale = token  # refresh once and retry; a second rejection is raised
                elif transient and failures < self._max_attempts:
                    self._sleep(self.BACKOFF_SECONDS * 2 ** (failures - 1))
                else:
                    raise

    def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a message call straight through requests, failing as `_invoke` does.

        wechatpy's request path cost a third of the CPU of a call, which a broadcast of
        thousands pays on every message; message calls need none of what it adds.
        """
        token = self._client.call_token.value
        url = self._settings.wechat_api_base_url + "cgi-bin/" + path
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        res = self._client._http.post(
            url,
            params={"access_token": token},
            data=data,
            headers=_JSON_HEADERS,
            timeout=self._settings.wechat_api_timeout,
        )
        if res.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise TransientError(None, f"HTTP {res.status_code}")
        if res.status_code != HTTPStatus.OK:
            raise WeChatAPIError(None, f"HTTP {res.status_code}")
        try:
            result = res.json()
        except ValueError:
            result = None
        if not isinstance(result, dict):
            raise TransientError(None, "response is not JSON")
        errcode = int(result.get("errcode") or 0)
        if errcode:
            raise _error(errcode, str(result.get("errmsg", "")))
        return result

    def send_text(self, openid: str, text: str) -> dict[str, Any]:
        """客服消息: allowed within 48 h of the user's last message."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return self._call("send_text", lambda: self._post_json("message/custom/send", body))

    def send_news_link(self, openid: str, title: str, description: str, url: str) -> dict[str, Any]:
        """A one-article news card: the way to hand over text too long for a chat bubble."""
        article = {"title": title, "description": description, "url": url, "picurl": ""}
        return self._call(
            "send_news_link", lambda: self._client.message.send_articles(openid, [article])
        )

    def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> dict[str, Any]:
        """Template message for notices the user caused; works outside the 48-hour window."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id}
        if url:
            body["url"] = url
        body["data"] = {name: {"value": _truncate(value)} for name, value in data.items()}
        return self._call("send_template", lambda: self._post_json("message/template/send", body))

    def send_subscribe(
        self, openid: str, template_id: str, data: dict[str, str], page: str | None = None
    ) -> dict[str, Any]:
        """Subscribe message (bizsend): only for people who consented to this template."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {name: {"value": _truncate(value)} for name, value in data.items()},
        }
        if page:
            body["page"] = page
        return self._call(
            "send_subscribe", lambda: self._post_json("message/subscribe/bizsend", body)
        )

    def mass_send_text(self, openids: list[str], text: str) -> dict[str, Any]:
        """Mass send by openid list (2 to 10,000 people); each may get 4 a month."""
        body = {"touser": openids, "msgtype": "text", "text": {"content": text}}
        return self._call("mass_send", lambda: self._post_json("message/mass/send", body))

    def widen_pool(self, connections: int) -> None:
        """Tune this client for many calls from many threads (broadcasts).

        Keep-alive connections for that many threads (requests keeps 10), and the proxy and
        CA settings that requests reads from the environment resolved once here instead of
        on every call, where that lookup cost more CPU than the rest of the call.
        """
        http = self._client._http
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=connections)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        merged = http.merge_environment_settings(
            self._settings.wechat_api_base_url, {}, None, None, None
        )
        http.proxies = merged["proxies"]
        http.verify = merged["verify"]
        http.trust_env = False

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return self._call("create_menu", lambda: self._client.menu.create(menu))

    def jsapi_ticket(self) -> str:
        """JS-SDK ticket, cached; fetching again returns the same ticket, so no lock is needed."""
        ticket = self._cache.get(self._key("jsapi_ticket")) or self._recall("jsapi_ticket")
        if ticket:
            return ticket
        result = self._call("jsapi_ticket", lambda: self._client.jsapi.get_ticket("jsapi"))
        ticket = str(result["ticket"])
        self._store("jsapi_ticket", ticket, int(result.get("expires_in", 7200)))
        return ticket
