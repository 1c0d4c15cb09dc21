"""What a signed callback must also be: fresh, used once, and in the mode we require.

WeChat's signature (SHA-1 of token, timestamp and nonce) says the query came from
WeChat, but not when, and in plain mode it says nothing about the body. Alone it let a
captured request be replayed for ever, and its query be reused with any other body or
openid. So, after the signature:

- **Window.** The timestamp must be digits within `wechat_callback_window_seconds` of our
  clock, either way, and the nonce a short token; empty ones are refused.
- **Replay memory.** The first callback carrying a (timestamp, nonce, signature) stores a
  digest of its message under that triple (Redis `SET NX` with an expiry, one round trip
  shared by every worker). A later callback with the same triple is let through only if
  its message is byte-identical: that is WeChat retrying, and the pipeline answers it the
  stored reply without running anything. A different message is refused. The memory
  lasts `Settings.retry_memory_seconds`, as long as the triple can pass the window.
- **Safe mode.** With `wechat_require_safe_mode`, a plain callback is refused.

With Redis down the memory falls back to this process's own bounded table: replays to
the same worker are still caught, and the message log's unique dedup key still stops a
retried message from running twice (bot.pipeline).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping

from core.cache import cache
from core.config import Settings
from core.timeutil import utcnow

# WeChat's timestamps are Unix seconds and its nonces short digit strings; anything much
# longer or of other characters is not WeChat's.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")


def fresh(settings: Settings, args: Mapping[str, str]) -> bool:
    """The timestamp and nonce are well formed and the timestamp is inside the window."""
    timestamp = args.get("timestamp", "")
    if not TIMESTAMP.fullmatch(timestamp) or not NONCE.fullmatch(args.get("nonce", "")):
        return False
    skew = abs(utcnow().timestamp() - int(timestamp))
    return skew <= settings.wechat_callback_window_seconds


def mode_allowed(settings: Settings, encrypted: bool) -> bool:
    """Plain callbacks are refused when the deployment requires safe mode."""
    return encrypted or not settings.wechat_require_safe_mode


def digest(message_xml: str) -> str:
    return hashlib.sha256(message_xml.encode("utf-8")).hexdigest()


def first_or_retry(settings: Settings, args: Mapping[str, str], message_digest: str) -> bool:
    """True for the first use of this signed query, or a byte-identical retry of it;
    False when the same query already carried another message (a replay)."""
    triple = (args.get("timestamp", ""), args.get("nonce", ""), args.get("signature", ""))
    key = cache.key("callback", *triple)
    ttl = settings.retry_memory_seconds
    replies = cache.send(
        "callback claim", ("SET", key, message_digest, "EX", ttl, "NX"), ("GET", key)
    )
    if replies is None:  # Redis down: this process's memory
        return _local.first_or_retry(key, message_digest, ttl)
    return replies[1] is None or replies[1] == message_digest


class LocalMemory:
    """A bounded, expiring table of signed queries seen by this process (Redis down)."""

    MAX_ENTRIES = 50_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def first_or_retry(self, key: str, message_digest: str, ttl: int) -> bool:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            seen = self._seen.get(key)
            if seen is not None:
                return seen[0] == message_digest
            self._seen[key] = (message_digest, now + ttl)
            while len(self._seen) > self.MAX_ENTRIES:
                self._seen.popitem(last=False)
            return True

    def _expire(self, now: float) -> None:
        """Entries are added in time order with one TTL, so the oldest expire first."""
        while self._seen:
            _key, (_digest, until) = next(iter(self._seen.items()))
            if until > now:
                return
            self._seen.popitem(last=False)


_local = LocalMemory()
