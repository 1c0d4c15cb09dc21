"""The cache's connections stay bounded whatever the threads do, and any failure degrades."""

from __future__ import annotations

import threading

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
