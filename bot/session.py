"""Conversation state kept in Redis with a TTL: a multi-turn flow, and short memories.

State is a small JSON object: the flow's name, its step and its data (while a flow runs),
and `memo`, what the bot should remember between messages outside any flow (the last
policy question and its choices, the numbered lists shown and which was shown last).
Leaving a flow keeps the memos. When Redis is down the bot forgets both (every message
starts fresh) but keeps answering.

One read and at most one write per message: the pipeline reads the state in the same
round trip that claims the message, and a conversation made with `deferred=True` only
records its changes until `save`, which writes them once (in one round trip with the
reply kept for retries). Made without it (tests, scripts) every change is written at once.
"""

from __future__ import annotations

import json
from typing import Any

from core.cache import cache


class Conversation:
    """One person's state; read once per message, written once when it changed."""

    def __init__(
        self, openid: str, ttl: int, raw: str | bool | None = False, *, deferred: bool = False
    ) -> None:
        """`raw` is the stored state when the caller already fetched it (False: fetch now)."""
        self.openid = openid
        self.ttl = ttl
        self._key = self.key_for(openid)
        self._deferred = deferred
        self._dirty = False
        if raw is False:
            raw = cache.get(self._key)
        self.state: dict[str, Any] | None = _load(raw if isinstance(raw, str) else None)
        self._stored = self.state is not None

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
        self._changed()

    def advance(self, step: str, **data: Any) -> None:
        if self.flow is None:
            raise RuntimeError("advance() without a flow")
        assert self.state is not None
        self.state["step"] = step
        self.data.update(data)
        self._changed()

    def clear(self) -> None:
        """Leave the flow; memos stay."""
        memos = self._memos()
        if self.state is None or self.state == {"memo": memos}:
            return  # nothing to leave
        self.state = {"memo": memos} if memos else None
        self._changed()

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
        elif memos.get(name) == value:
            return
        else:
            memos[name] = value
        if self.state is None:
            self.state = {}
        self.state["memo"] = memos
        self._changed()

    def _memos(self) -> dict[str, Any]:
        memo = None if self.state is None else self.state.get("memo")
        return dict(memo) if isinstance(memo, dict) else {}

    def _changed(self) -> None:
        self._dirty = True
        if not self._deferred:
            self.save()

    def pending_write(self) -> tuple[Any, ...] | None:
        """The Redis command that stores the changes (None: nothing changed), marked saved.

        For the pipeline, which sends it with its own commands in one round trip."""
        if not self._dirty:
            return None
        self._dirty = False
        if self.state is None or not (self.state.get("flow") or self.state.get("memo")):
            if not self._stored:
                return None
            self._stored = False
            return ("DEL", self._key)
        self._stored = True
        return ("SET", self._key, json.dumps(self.state, ensure_ascii=False), "EX", self.ttl)

    def save(self) -> None:
        """Write the changes now (one round trip; nothing when nothing changed)."""
        command = self.pending_write()
        if command is not None:
            cache.send("conversation", command)


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
