"""The cache's connections stay bounded whatever the threads do, and any failure degrades."""

from __future__ import annotations

import threading
import time

import pytest

from core.cache import Cache


def test_threads_that_come_and_go_do_not_leak_connections(redis_cache: Cache, settings):
    """The development server and broadcast senders start a thread per request or batch;
    a connection per thread used to exhaust the stand-in after about 100 of them."""
    key = redis_cache.key("leak-probe")

    def one_request(n: int) -> None:
        assert redis_cache.set(key, str(n), ttl=30)
        assert redis_cache.get(key) is not None

    for start in range(0, 300, 30):
        threads = [
            threading.Thread(target=one_request, args=(n,)) for n in range(start, start + 30)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert redis_cache.open_connections <= Cache.MAX_IDLE
    assert redis_cache.set(key, "still-works", ttl=30)
    assert redis_cache.get(key) == "still-works"


@pytest.mark.parametrize("error", [RuntimeError("surprise"), ValueError("bad reply")])
def test_any_error_in_a_command_degrades_like_redis_down(
    redis_cache: Cache, monkeypatch: pytest.MonkeyPatch, error: Exception
):
    def broken() -> object:
        raise error

    monkeypatch.setattr(redis_cache, "_borrow", broken)
    assert redis_cache.get(redis_cache.key("x")) is None
    assert redis_cache.set_nx(redis_cache.key("x"), "1", 30) is None
    assert not redis_cache.available  # the breaker is open: no more attempts for a while
    monkeypatch.undo()
    assert redis_cache.ping()  # the health check closes the breaker again


def test_the_in_process_stand_in_drops_expired_keys_nobody_reads(
    redis_cache: Cache, monkeypatch: pytest.MonkeyPatch
):
    """Real Redis expires keys by itself; the stand-in must not keep them for ever."""
    if not redis_cache.embedded:
        pytest.skip("real Redis expires keys itself")
    import core.cache

    fake = redis_cache.client
    assert fake is not None
    for n in range(200):
        redis_cache.set(redis_cache.key("once", n), "x" * 100, ttl=1)
    # Counted on the stand-in's own storage: any command would expire keys itself.
    server = core.cache._fake_server
    stored = sum(len(db._dict) for db in server.dbs.values())
    assert stored >= 200
    deadline = time.monotonic() + core.cache.SWEEP_SECONDS + 5
    while time.monotonic() < deadline:
        if sum(len(db._dict) for db in server.dbs.values()) < stored - 150:
            break
        time.sleep(0.2)
    assert sum(len(db._dict) for db in server.dbs.values()) < stored - 150
