"""Work handed off by request threads and done in batches by one background thread.

The callback's reply should not wait for writes nobody reads at once (the message log,
the reply kept for WeChat's retries), and one write of fifty rows costs far less than
fifty writes of one. A `Batcher` collects items from any thread and gives them, in
batches, to a handler running on its own daemon thread.

Adding is a `deque.append` (atomic, no lock) and wakes the thread only when it sleeps
idle; once woken it lets a batch gather for `wait_seconds`, then hands over what is
there. Each process has its own thread, started on first use; a forked child starts
afresh and never handles a copy of its parent's items (gunicorn forks its workers
from a master that may have queued some).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Batcher(Generic[T]):
    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        *,
        wait_seconds: float,
        max_batch: int,
        max_pending: int,
    ) -> None:
        self.name = name
        self.handle = handle
        self.wait_seconds = wait_seconds
        self.max_batch = max_batch
        self.max_pending = max_pending
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._busy = False
        self._thread: threading.Thread | None = None

    def add(self, item: T) -> bool:
        """Queue `item`; False (not queued) when `max_pending` items already wait."""
        if self._thread is None:
            self._start()
        if len(self._items) >= self.max_pending:
            return False
        self._items.append(item)
        if not self._wake.is_set():
            self._wake.set()
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Hand over everything added so far without the usual wait, and wait until it is
        handled (tests, a worker's exit). False after `timeout`."""
        if self._thread is None:
            return not self._items
        self._hurry.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        # `_busy` is set before items are taken and cleared once they are handled, so
        # "no items and not busy" means everything taken so far is done.
        while self._items or self._busy:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)
        return True

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                thread.start()
                self._thread = thread

    def _run(self) -> None:
        items = self._items
        while True:
            self._wake.wait()
            self._hurry.wait(self.wait_seconds)
            self._hurry.clear()
            self._wake.clear()  # before taking: an item added from now on wakes us again
            self._busy = True
            try:
                # What is there now, in batches; later items gather for the next round.
                pending = len(items)
                while pending > 0:
                    batch = [items.popleft() for _ in range(min(pending, self.max_batch))]
                    pending -= len(batch)
                    self.handle(batch)
            except Exception:  # the thread must outlive any handler's surprise
                log.exception("%s: handling a batch failed", self.name)
            finally:
                self._busy = False
