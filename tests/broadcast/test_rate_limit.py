"""The token bucket, on a fake clock: no timing in the test, only arithmetic."""

from __future__ import annotations

import pytest

from core.broadcast.rate_limit import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_burst_then_one_token_per_interval():
    clock = FakeClock()
    bucket = TokenBucket(10, burst=3, clock=clock, sleep=clock.sleep)
    assert [bucket.try_acquire() for _ in range(3)] == [0, 0, 0]
    assert bucket.try_acquire() == pytest.approx(0.1)
    clock.now += 0.1
    assert bucket.try_acquire() == 0


def test_acquiring_n_tokens_takes_n_over_rate_seconds():
    clock = FakeClock()
    bucket = TokenBucket(500, burst=25, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(1025):
        bucket.acquire()
    assert clock.now - start == pytest.approx(1000 / 500)  # the burst is free, the rest paced


def test_idle_time_saves_up_no_more_than_the_burst():
    clock = FakeClock()
    bucket = TokenBucket(20, burst=2, clock=clock, sleep=clock.sleep)
    clock.now += 3600
    assert [bucket.try_acquire() for _ in range(2)] == [0, 0]
    assert bucket.try_acquire() > 0


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(0)
