"""Redis coming back from an outage: the flows use it again at once and /healthz tells the
truth. An adversarial pass (issue 16) saw flows fail for about 5 s after Redis returned
while /healthz said ok: the idle connections were to the old server, and each one that
failed opened the circuit breaker again."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

import pytest
import redis

from core.cache import Cache


def _stale(conn) -> None:
    """What a server restart leaves of a connection: the next read finds it closed."""

    def closed(*_args, **_kwargs):
        raise redis.ConnectionError("Connection closed by server.")

    conn.read_response = closed


def _idle_connections(cache: Cache, n: int) -> None:
    borrowed = [cache._borrow()[0] for _ in range(n)]
    for conn in borrowed:
        conn.connect()
        cache._give_back(conn)


def test_stale_connections_after_a_restart_do_not_fail_the_flows(redis_cache: Cache):
    key = redis_cache.key("restart-probe")
    assert redis_cache.set(key, "kept", ttl=60)
    _idle_connections(redis_cache, 4)
    for conn in redis_cache._idle:
        _stale(conn)
    assert redis_cache.get(key) == "kept"
    assert redis_cache.available
    assert redis_cache.set_nx(redis_cache.key("restart-claim"), "1", 60) is True
    assert redis_cache.open_connections >= 1


def test_healthz_says_what_the_flows_see(app, redis_cache: Cache, monkeypatch):
    """While the flows cannot reach Redis, /healthz must not say ok."""
    client = app.test_client()
    assert client.get("/healthz").json["redis"] == "ok"

    def refused(self):
        raise redis.ConnectionError("Connection refused")

    conn_class = type(redis_cache._borrow()[0])
    monkeypatch.setattr(conn_class, "send_packed_command", refused)
    assert redis_cache.get(redis_cache.key("x")) is None
    health = client.get("/healthz").json
    assert health["redis"] == "unreachable"
    assert health["status"] == "degraded"

    monkeypatch.undo()  # Redis is back
    assert client.get("/healthz").json["redis"] == "ok"
    assert redis_cache.available  # the check closed the breaker: flows use Redis again
    assert redis_cache.set(redis_cache.key("back"), "yes", ttl=30)


def test_the_breaker_reopens_within_a_second(redis_cache: Cache, monkeypatch):
    """Without a health check, a Redis that is back is used again after the breaker's
    interval (a clock stands in for waiting)."""
    now = [1000.0]
    monkeypatch.setattr("core.cache.time.monotonic", lambda: now[0])

    def broken():
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(redis_cache, "_borrow", broken)
    assert redis_cache.get(redis_cache.key("y")) is None
    assert not redis_cache.available
    monkeypatch.setattr(redis_cache, "_borrow", Cache._borrow.__get__(redis_cache))
    now[0] += 1.0
    assert redis_cache.available
    assert redis_cache.set(redis_cache.key("y"), "1", ttl=30)


@pytest.mark.parametrize("stale", [1, Cache.MAX_IDLE])
def test_any_number_of_stale_connections_costs_one_retry(redis_cache: Cache, stale: int):
    _idle_connections(redis_cache, stale)
    for conn in redis_cache._idle:
        _stale(conn)
    assert redis_cache.set(redis_cache.key("many"), "1", ttl=30)
    assert redis_cache.open_connections == 1  # the stale ones are gone, the new one kept
    assert redis_cache.get(redis_cache.key("many")) == "1"


def test_when_healthz_says_ok_after_a_restart_the_flows_work(app, redis_cache: Cache):
    key = redis_cache.key("after-restart")
    assert redis_cache.set(key, "v", ttl=60)
    _idle_connections(redis_cache, 3)
    for conn in redis_cache._idle:
        _stale(conn)
    assert app.test_client().get("/healthz").json["redis"] == "ok"
    assert redis_cache.get(key) == "v"
    assert redis_cache.set_nx(redis_cache.key("after-restart-claim"), "1", 60) is True


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of the real Redis that can be cut (every
    connection closed, new ones refused) and restored on the same port: an outage and a
    restart as the cache sees them, without touching the shared Redis server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.open: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        assert self.listener is not None
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)


def test_a_real_outage_and_return(settings, monkeypatch):
    """Through a proxy that is cut and restored: degraded while down, and the first call
    after /healthz sees Redis again works (it used to find only stale connections)."""
    if settings.embedded_redis:
        pytest.skip("needs a Redis server")
    url = urlsplit(settings.redis_url)
    proxy = CuttableProxy((url.hostname or "127.0.0.1", url.port or 6379))
    cache = Cache()
    cache.configure(
        settings.with_overrides(redis_url=f"redis://127.0.0.1:{proxy.port}{url.path or '/0'}")
    )
    try:
        key = cache.key("outage")
        assert cache.set(key, "before", ttl=60)
        _idle_connections(cache, 3)
        assert cache.get(key) == "before"

        proxy.cut()
        assert cache.get(key) is None  # degraded, not crashed
        assert not cache.ping()

        proxy.restore()
        assert cache.ping()  # what /healthz asks
        assert cache.get(key) == "before"
        assert cache.set_nx(cache.key("outage-claim"), "1", 60) is True
    finally:
        proxy.cut()
        cache._close_idle()
