"""Conversation state for multi-turn flows, kept in Redis with a TTL.

State is a small JSON object: the flow's name, its step and its data. When Redis
is down the bot forgets flows (every message starts fresh) but keeps answering.
"""

from __future__ import annotations

import json
from typing import Any

from core.cache import cache


class Conversation:
    """One person's flow state; read once per message, written when it changes."""

    def __init__(self, openid: str, ttl: int, raw: str | None | bool = False) -> None:
        """`raw` is the stored state when the caller already fetched it (False: fetch now)."""
        self.openid = openid
        self.ttl = ttl
        self._key = self.key_for(openid)
        if raw is False:
            raw = cache.get(self._key)
        self.state: dict[str, Any] | None = _load(raw if isinstance(raw, str) else None)

    @staticmethod
    def key_for(openid: str) -> str:
        return cache.key("conv", openid)

    @property
    def flow(self) -> str | None:
        return None if self.state is None else self.state.get("flow")

    @property
    def step(self) -> str | None:
        return None if self.state is None else self.state.get("step")

    @property
    def data(self) -> dict[str, Any]:
        return {} if self.state is None else self.state.setdefault("data", {})

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.state = {"flow": flow, "step": step, "data": data}
        self._save()

    def advance(self, step: str, **data: Any) -> None:
        if self.state is None:
            raise RuntimeError("advance() without a flow")
        self.state["step"] = step
        self.data.update(data)
        self._save()

    def clear(self) -> None:
        self.state = None
        cache.delete(self._key)

    def _save(self) -> None:
        cache.set(self._key, json.dumps(self.state, ensure_ascii=False), self.ttl)


def _load(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and value.get("flow") else None
