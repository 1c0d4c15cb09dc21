"""Conversation state kept in Redis with a TTL: a multi-turn flow, and short memories.

State is a small JSON object: the flow's name, its step and its data (while a flow runs),
and `memo`, what the bot should remember between messages outside any flow (the last
policy question and its choices, the last numbered list shown). Leaving a flow keeps the
memos. When Redis is down the bot forgets both (every message starts fresh) but keeps
answering.
"""

from __future__ import annotations

import json
from typing import Any

from core.cache import cache


class Conversation:
    """One person's state; read once per message, written when it changes."""

    def __init__(self, openid: str, ttl: int, raw: str | bool | None = False) -> None:
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
        if self.state is None or not self.state.get("flow"):
            return {}
        return self.state.setdefault("data", {})

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.state = {"flow": flow, "step": step, "data": data, "memo": self._memos()}
        self._save()

    def advance(self, step: str, **data: Any) -> None:
        if self.flow is None:
            raise RuntimeError("advance() without a flow")
        assert self.state is not None
        self.state["step"] = step
        self.data.update(data)
        self._save()

    def clear(self) -> None:
        """Leave the flow; memos stay."""
        memos = self._memos()
        self.state = {"memo": memos} if memos else None
        if self.state is None:
            cache.delete(self._key)
        else:
            self._save()

    def recall(self, name: str) -> Any:
        """A memo saved by `remember`, or None."""
        return self._memos().get(name)

    def remember(self, name: str, value: Any) -> None:
        """Keep `value` until the state expires; None forgets it."""
        memos = self._memos()
        if value is None:
            if name not in memos:
                return
            memos.pop(name)
        else:
            memos[name] = value
        if self.state is None:
            self.state = {}
        self.state["memo"] = memos
        self._save()

    def _memos(self) -> dict[str, Any]:
        memo = None if self.state is None else self.state.get("memo")
        return dict(memo) if isinstance(memo, dict) else {}

    def _save(self) -> None:
        cache.set(self._key, json.dumps(self.state, ensure_ascii=False), self.ttl)


def _load(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not (value.get("flow") or value.get("memo")):
        return None
    return value
