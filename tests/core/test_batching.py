"""The background batcher behind the message log and the deferred Redis writes."""

from __future__ import annotations

import os
import threading
import time

import pytest

from core.batching import Batcher


def collecting(wait: float = 0.05, max_batch: int = 100, max_pending: int = 1000):
    batches: list[list[int]] = []
    batcher: Batcher[int] = Batcher(
        "test-batcher",
        batches.append,
        wait_seconds=wait,
        max_batch=max_batch,
        max_pending=max_pending,
    )
    return batcher, batches


def test_items_added_together_are_handled_in_one_batch():
    batcher, batches = collecting(wait=0.05)
    for i in range(10):
        assert batcher.add(i)
    deadline = time.monotonic() + 5
    while not batches and time.monotonic() < deadline:
        time.sleep(0.005)
    batcher.flush()
    assert batches == [list(range(10))]


def test_flush_does_not_wait_for_the_gathering_time():
    batcher, batches = collecting(wait=30.0)  # would hold a batch for half a minute
    batcher.add(1)
    started = time.monotonic()
    assert batcher.flush(timeout=5)
    assert time.monotonic() - started < 2
    assert batches == [[1]]


def test_big_backlogs_are_split_and_a_full_queue_refuses():
    batcher, batches = collecting(wait=30.0, max_batch=4, max_pending=10)
    added = [batcher.add(i) for i in range(12)]
    assert added == [True] * 10 + [False, False]
    batcher.flush()
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_failing_handler_does_not_stop_the_thread(caplog):
    seen: list[list[int]] = []

    def handle(batch: list[int]) -> None:
        seen.append(batch)
        if batch == [1]:
            raise RuntimeError("boom")

    batcher: Batcher[int] = Batcher(
        "test-failing", handle, wait_seconds=0.01, max_batch=10, max_pending=10
    )
    batcher.add(1)
    batcher.flush()
    batcher.add(2)
    batcher.flush()
    assert seen == [[1], [2]]
    assert any("handling a batch failed" in r.getMessage() for r in caplog.records)


def test_items_added_from_many_threads_are_each_handled_once():
    batcher, batches = collecting(wait=0.001, max_batch=50, max_pending=100_000)

    def add_many(start: int) -> None:
        for i in range(start, start + 500):
            batcher.add(i)

    threads = [threading.Thread(target=add_many, args=(n * 1000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batcher.flush()
    handled = [i for batch in batches for i in batch]
    assert sorted(handled) == sorted(n * 1000 + i for n in range(8) for i in range(500))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_handle_its_parents_items():
    batcher, _ = collecting(wait=30.0)
    batcher.add(1)  # queued in the parent, not yet handled
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own empty queue, its own thread
        child_batches: list[list[int]] = []
        batcher.handle = child_batches.append
        batcher.add(2)
        batcher.flush(timeout=5)
        os.write(write, repr(child_batches).encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1000).decode() == "[[2]]"
    assert status == 0
    os.close(read)
    batcher.flush()
