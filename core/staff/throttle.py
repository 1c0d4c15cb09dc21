"""Login throttling: every attempt is counted before its password is checked.

Two fixed-window counts, one per username and one per client address, each limited to
`login_max_attempts` per `login_window_seconds`:

- counted first, with one atomic increment each (Redis INCR), so of 40 guesses sent at
  once exactly the first `limit` are checked and the rest refused unread;
- a successful login clears its own username's count and takes back only its own step
  of the address's count: failures from the address still stand, so one valid account
  cannot be used to reset the address between guesses at other names, while colleagues
  behind one office address can log in all day;
- with Redis unreachable the counts are kept in this process instead (a bounded table):
  each worker process then enforces the limit on its own, so a deployment of W worker
  processes allows at most W x limit guesses per window during the outage, not an
  unlimited number. If that table is full, logins are refused (`LoginUnavailable`):
  the throttle fails closed, never open.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from core.cache import cache
from core.config import Settings

# Counts the in-process fallback holds at most (two per attempt: name and address).
LOCAL_MAX_KEYS = 10_000


class LoginThrottled(Exception):
    """Too many attempts for this name or address; try again later."""


class LoginUnavailable(Exception):
    """Attempts cannot be counted now (Redis down and the fallback full): refuse them."""


@dataclass(frozen=True)
class Attempt:
    """One counted attempt, so a success can take back exactly what it counted."""

    user_key: str
    addr_key: str
    in_redis: bool


class LocalCounter:
    """Fixed-window counts in this process, for when Redis cannot be reached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key: (count, expires at)

    def incr(self, keys: list[str], ttl: int) -> list[int] | None:
        """Count one on each key together; None (nothing counted) when the table is full."""
        now = time.monotonic()
        with self._lock:
            new = [k for k in keys if not self._live(k, now)]
            if len(self._counts) + len(new) > LOCAL_MAX_KEYS:
                self._prune(now)
                if len(self._counts) + len(new) > LOCAL_MAX_KEYS:
                    return None
            counts = []
            for key in keys:
                count, expires = self._counts.get(key, (0, now + ttl))
                if expires <= now:
                    count, expires = 0, now + ttl
                self._counts[key] = (count + 1, expires)
                counts.append(count + 1)
            return counts

    def decr_if_positive(self, key: str) -> None:
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            if count > 0 and expires > time.monotonic():
                self._counts[key] = (count - 1, expires)

    def delete(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def _live(self, key: str, now: float) -> bool:
        entry = self._counts.get(key)
        return entry is not None and entry[1] > now

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}


local_counts = LocalCounter()


def _keys(username: str, remote_addr: str) -> tuple[str, str]:
    return (
        cache.key("login_fail", "user", username.strip().lower()),
        cache.key("login_fail", "addr", remote_addr),
    )


def begin(settings: Settings, username: str, remote_addr: str) -> Attempt:
    """Count an attempt; raise LoginThrottled if it is over the limit (its password is
    then not checked), LoginUnavailable if it cannot be counted at all."""
    user_key, addr_key = _keys(username, remote_addr)
    keys = [user_key, addr_key]
    counts = cache.incr_windows(keys, settings.login_window_seconds)
    in_redis = counts is not None
    if counts is None:
        counts = local_counts.incr(keys, settings.login_window_seconds)
        if counts is None:
            raise LoginUnavailable()
    if max(counts) > settings.login_max_attempts:
        raise LoginThrottled()
    return Attempt(user_key, addr_key, in_redis)


def succeeded(attempt: Attempt) -> None:
    """The password was right: this name starts again; the address keeps its failures."""
    if attempt.in_redis:
        cache.delete(attempt.user_key)
        cache.decr_if_positive(attempt.addr_key)
    else:
        local_counts.delete(attempt.user_key)
        local_counts.decr_if_positive(attempt.addr_key)
