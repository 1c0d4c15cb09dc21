"""Redis coming back from an outage: the flows use it again at once and /healthz tells the
truth. An adversarial pass (issue 16) saw flows fail for about 5 s after Redis returned
while /healthz said ok: the idle connections were to the old server, and each one that
failed opened the circuit breaker again."""

from __future__ import annotations

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
