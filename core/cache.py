"""Redis access that degrades instead of failing.

Redis holds only what can be lost: dedup markers, conversation state, the
access_token, login throttles. When it is unreachable each call answers
"unavailable" (None) quickly, logs once in a while, and the caller carries on
with a weaker guarantee. A short circuit breaker keeps a dead Redis from
costing a connect timeout on every call inside WeChat's 5-second window.

Every callback makes a few Redis commands, so the common ones skip redis-py's
per-command machinery: a call borrows an idle connection from a small free list (a
list pop, no pool lock, pid check or readiness poll), sends packed commands on it
directly and gives it back. Connections are never tied to a thread: request threads
of the development server and a broadcast's sender threads come and go, and a
connection per thread would grow with them until Redis (or the stand-in) refuses more.
At most `MAX_IDLE` are kept; any more are closed on return.
Writes whose result nobody waits for (the reply kept for WeChat's retries) are
queued and sent in one pipeline per few milliseconds by a background thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import redis
from hiredis import pack_command

from core.batching import Batcher
from core.config import Settings

log = logging.getLogger(__name__)

_fake_server_lock = threading.Lock()
_fake_server: Any = None


_sweeper: threading.Thread | None = None
SWEEP_SECONDS = 5.0


def _embedded_client() -> redis.Redis:
    """One in-process fake server per process, so every connection sees the same data."""
    global _fake_server
    import fakeredis

    with _fake_server_lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
        _start_sweeper(fakeredis.FakeRedis(server=_fake_server))
    return fakeredis.FakeRedis(server=_fake_server, decode_responses=True)


def _start_sweeper(client: redis.Redis) -> None:
    """Drop expired keys every few seconds, as Redis itself does.

    The stand-in deletes an expired key only when it is read or when the keyspace is
    walked. Dedup markers and the replies kept for retries are written once and never read
    again, so they piled up for as long as the process ran (about 150 MB over 100,000
    messages in bench.soak). Asking for the keyspace's size walks its expiry heap.
    """
    global _sweeper
    if _sweeper is not None and _sweeper.is_alive():
        return

    def sweep() -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            try:
                client.dbsize()
            except Exception:  # the sweep must outlive any surprise; it is only tidying
                log.debug("sweeping the in-process Redis failed", exc_info=True)

    _sweeper = threading.Thread(target=sweep, name="redis-expiry-sweep", daemon=True)
    _sweeper.start()


def _forget_sweeper() -> None:
    global _sweeper
    _sweeper = None  # threads do not survive a fork: the child starts its own


os.register_at_fork(after_in_child=_forget_sweeper)


class Cache:
    """Prefixed, fault-tolerant Redis operations used by the bot, web and scheduler."""

    # Short: it spares a dead Redis a connect attempt per call, and a Redis that is back is
    # used again within this long (at once after a /healthz check, which probes it).
    BREAKER_SECONDS = 1.0
    WARN_EVERY_SECONDS = 30.0  # while Redis stays down, one warning per this many seconds
    MAX_IDLE = 32

    def __init__(self) -> None:
        self.client: redis.Redis | None = None
        self.prefix = "vetbot:"
        self.embedded = True
        self._down_until = 0.0
        self._last_warning = 0.0
        self._idle: list[Any] = []
        self.deferred = DeferredSets(self)
        # A forked child must not use its parent's sockets: new ones on first use.
        os.register_at_fork(after_in_child=self._forget_connections)

    def _forget_connections(self) -> None:
        """Drop the idle connections without a word to the server (they may be the parent's)."""
        self._idle = []

    def _close_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            _quietly_disconnect(conn)

    @property
    def open_connections(self) -> int:
        """Idle connections held (tests and the soak benchmark watch that it stays bounded)."""
        return len(self._idle)

    def configure(self, settings: Settings) -> None:
        self.prefix = settings.redis_prefix
        self.embedded = settings.embedded_redis
        self._down_until = 0.0
        self._close_idle()  # they are to the old server
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
        self._close_idle()  # to the server that failed: not to be trusted when it is back
        now = time.monotonic()
        if now - self._last_warning > self.WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning("Redis unavailable during %s (%s); running degraded", op, exc)

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """Run one Redis command; None when Redis is down or the breaker is open."""
        if not self.available:
            return None
        assert self.client is not None
        try:
            return getattr(self.client, op)(*args, **kwargs)
        except Exception as exc:  # any Redis failure degrades; none reaches the caller
            self._failed(exc, op)
            return None

    def _borrow(self) -> tuple[Any, bool]:
        """An idle connection, or a new one made outside redis-py's pool; and whether it
        was idle (it may have gone stale meanwhile: the server restarted).

        Made directly, not with `pool.make_connection()`: the pool counts what it makes
        and would refuse once the count passes its limit, though ours are returned here.
        """
        try:
            return self._idle.pop(), True  # atomic under the GIL
        except IndexError:
            assert self.client is not None
            pool = self.client.connection_pool
            return pool.connection_class(**pool.connection_kwargs), False

    def _give_back(self, conn: Any) -> None:
        if len(self._idle) < self.MAX_IDLE:
            self._idle.append(conn)
        else:
            _quietly_disconnect(conn)

    def send(self, op: str, *commands: tuple[Any, ...]) -> list[Any] | None:
        """Commands in one round trip on a borrowed connection; their replies in order.

        None when Redis is down, the breaker is open, or anything fails (the connection
        is then closed, since its remaining replies are unknown).
        """
        if not self.available:
            return None
        return self._send(op, commands)

    def _send(self, op: str, commands: tuple[tuple[Any, ...], ...]) -> list[Any] | None:
        """`send` without the breaker. An idle connection that turns out closed (Redis
        restarted since it was last used) is dropped with its idle siblings and the
        commands go once more on a new connection: a stale socket never reached the
        server, and without this every stale connection tripped the breaker again, so
        flows failed for seconds after Redis was back while /healthz said ok."""
        # hiredis's C packer (redis[hiredis]): a quarter of redis-py's cost per command.
        packed = b"".join([pack_command(c) for c in commands])
        for attempt in (1, 2):
            conn, reused = None, False
            try:
                conn, reused = self._borrow()
                conn.send_packed_command([packed])
                replies = [conn.read_response() for _ in commands]
            except redis.ConnectionError as exc:
                if conn is not None:
                    _quietly_disconnect(conn)
                if attempt == 1 and reused:
                    self._close_idle()
                    continue
                self._failed(exc, op)
                return None
            except Exception as exc:  # any Redis failure degrades; none reaches the caller
                if conn is not None:
                    _quietly_disconnect(conn)
                self._failed(exc, op)
                return None
            self._give_back(conn)
            return replies
        return None  # not reached: the second attempt returns

    def ping(self) -> bool:
        """Health check: asks Redis even while the breaker is open, on the connections the
        flows use (so "ok" means they work), and closes the breaker when it answers."""
        if self.client is None:
            return False
        replies = self._send("ping", (("PING",),))
        if replies is None or isinstance(replies[0], Exception):
            return False
        self._down_until = 0.0
        return True

    # Small typed helpers for the common cases.
    def get(self, key: str) -> str | None:
        replies = self.send("get", ("GET", key))
        return None if replies is None or replies[0] is None else str(replies[0])

    def set(self, key: str, value: str, ttl: int) -> bool:
        replies = self.send("set", ("SET", key, value, "EX", ttl))
        return replies is not None and replies[0] is not None

    def set_later(self, key: str, value: str, ttl: int) -> None:
        """SET soon, in a batch with others; for writes nobody waits for (see DeferredSets)."""
        if self.available:
            self.deferred.add(key, value, ttl)

    def set_nx(self, key: str, value: str, ttl: int) -> bool | None:
        """True if we took the key, False if someone holds it, None if Redis is down."""
        replies = self.send("set_nx", ("SET", key, value, "EX", ttl, "NX"))
        return None if replies is None else replies[0] is not None

    def set_nx_and_get(
        self, key: str, value: str, ttl: int, other_key: str
    ) -> tuple[bool | None, str | None]:
        """SET NX one key and GET another in one round trip (claim a message, read state)."""
        replies = self.send(
            "set_nx_and_get", ("SET", key, value, "EX", ttl, "NX"), ("GET", other_key)
        )
        if replies is None:
            return None, None
        claimed, other = replies
        return claimed is not None, None if other is None else str(other)

    def delete(self, key: str) -> None:
        self.send("delete", ("DEL", key))

    def incr_windows(self, keys: list[str], ttl: int) -> list[int] | None:
        """Count one event on each key, each in a fixed window, in one round trip.

        INCR is atomic, so concurrent callers each see a different count: a limit checked
        on the returned numbers lets exactly that many through. The window starts with a
        key's first count (EXPIRE NX) and is not pushed back by later ones. None when Redis
        is down.
        """
        commands: list[tuple[Any, ...]] = []
        for key in keys:
            commands += [("INCR", key), ("EXPIRE", key, ttl, "NX")]
        replies = self.send("incr", *commands)
        if replies is None or any(isinstance(r, Exception) for r in replies):
            return None
        return [int(count) for count in replies[::2]]

    def decr_if_positive(self, key: str) -> None:
        """Take one back from a count, never below zero nor onto a key that has expired.

        A plain DECR on an expired key would leave a -1 with no expiry, an extra attempt
        for ever; WATCH makes the read and the decrement one step.
        """
        if not self.available:
            return
        assert self.client is not None
        try:
            with self.client.pipeline() as pipe:
                for _ in range(3):  # WatchError: someone counted meanwhile; read again
                    try:
                        pipe.watch(key)
                        current = pipe.get(key)
                        if current is None or int(current) <= 0:
                            return
                        pipe.multi()
                        pipe.decr(key)
                        pipe.execute()
                        return
                    except redis.WatchError:
                        continue
        except Exception as exc:
            self._failed(exc, "decr")


def _quietly_disconnect(conn: Any) -> None:
    try:
        conn.disconnect()
    except Exception:  # closing a broken connection may fail too; it is gone either way
        log.debug("closing a Redis connection failed", exc_info=True)


class DeferredSets:
    """SETs sent in one pipeline per `WAIT_SECONDS` by a per-process background thread.

    For values someone may read later but nobody waits for now: the reply kept for
    WeChat's retries. A retry that comes before its batch is sent finds the claim
    still "pending" and waits for it (bot.pipeline polls, bounded). If the process dies
    first, the value is lost: the claim expires with its TTL, and until then a retry
    waits its bounded time and answers "success", as for any first try still running.
    """

    WAIT_SECONDS = 0.02
    MAX_PER_PIPELINE = 500
    MAX_PENDING = 20_000

    def __init__(self, owner: Cache) -> None:
        self._owner = owner
        self._batcher: Batcher[tuple[str, str, int]] = Batcher(
            "redis-deferred",
            self._send,
            wait_seconds=self.WAIT_SECONDS,
            max_batch=self.MAX_PER_PIPELINE,
            max_pending=self.MAX_PENDING,
        )

    def add(self, key: str, value: str, ttl: int) -> None:
        if not self._batcher.add((key, value, ttl)):
            self._owner.set(key, value, ttl)  # a backlog: write this one now

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything added so far is sent (tests, worker exit)."""
        return self._batcher.flush(timeout)

    def _send(self, batch: list[tuple[str, str, int]]) -> None:
        self._owner.send("deferred set", *[("SET", k, v, "EX", ttl) for k, v, ttl in batch])


cache = Cache()
