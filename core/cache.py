"""Redis access that degrades instead of failing.

Redis holds only what can be lost: dedup markers, conversation state, the
access_token, login throttles. When it is unreachable each call answers
"unavailable" (None) quickly, logs once in a while, and the caller carries on
with a weaker guarantee. A short circuit breaker keeps a dead Redis from
costing a connect timeout on every call inside WeChat's 5-second window.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis

from core.config import Settings

log = logging.getLogger(__name__)

_fake_server_lock = threading.Lock()
_fake_server: Any = None


def _embedded_client() -> redis.Redis:
    """One in-process fake server per process, so every connection sees the same data."""
    global _fake_server
    import fakeredis

    with _fake_server_lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_server, decode_responses=True)


class Cache:
    """Prefixed, fault-tolerant Redis operations used by the bot, web and scheduler."""

    BREAKER_SECONDS = 5.0

    def __init__(self) -> None:
        self.client: redis.Redis | None = None
        self.prefix = "vetbot:"
        self.embedded = True
        self._down_until = 0.0
        self._last_warning = 0.0

    def configure(self, settings: Settings) -> None:
        self.prefix = settings.redis_prefix
        self.embedded = settings.embedded_redis
        self._down_until = 0.0
        if settings.embedded_redis:
            self.client = _embedded_client()
        else:
            self.client = redis.Redis.from_url(
                settings.redis_url,
                decode_responses=True,
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    @property
    def available(self) -> bool:
        return self.client is not None and time.monotonic() >= self._down_until

    def _failed(self, exc: Exception, op: str) -> None:
        self._down_until = time.monotonic() + self.BREAKER_SECONDS
        now = time.monotonic()
        if now - self._last_warning > 30:
            self._last_warning = now
            log.warning("Redis unavailable during %s (%s); running degraded", op, exc)

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """Run one Redis command; None when Redis is down or the breaker is open."""
        if not self.available:
            return None
        assert self.client is not None
        try:
            return getattr(self.client, op)(*args, **kwargs)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, op)
            return None

    def ping(self) -> bool:
        """Health check: asks Redis even while the breaker is open."""
        if self.client is None:
            return False
        try:
            ok = bool(self.client.ping())
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "ping")
            return False
        self._down_until = 0.0
        return ok

    # Small typed helpers for the common cases.
    def get(self, key: str) -> str | None:
        value = self.call("get", key)
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl: int) -> bool:
        return bool(self.call("set", key, value, ex=ttl))

    def set_nx(self, key: str, value: str, ttl: int) -> bool | None:
        """True if we took the key, False if someone holds it, None if Redis is down."""
        if not self.available:
            return None
        result = self.call("set", key, value, ex=ttl, nx=True)
        if result is None and not self.available:
            return None
        return bool(result)

    def set_nx_and_get(
        self, key: str, value: str, ttl: int, other_key: str
    ) -> tuple[bool | None, str | None]:
        """SET NX one key and GET another in one round trip (claim a message, read state)."""
        if not self.available:
            return None, None
        assert self.client is not None
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.set(key, value, ex=ttl, nx=True)
            pipe.get(other_key)
            claimed, other = pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "set_nx_and_get")
            return None, None
        return bool(claimed), None if other is None else str(other)

    def delete(self, key: str) -> None:
        self.call("delete", key)

    def incr_window(self, key: str, ttl: int) -> int | None:
        """Count an event in a fixed window; None when Redis is down."""
        if not self.available:
            return None
        assert self.client is not None
        try:
            pipe = self.client.pipeline()
            pipe.incr(key)
            pipe.expire(key, ttl, nx=True)
            count, _ = pipe.execute()
            return int(count)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, "incr")
            return None


cache = Cache()
