"""The numbered list a person saw last, per kind, so "第二个" / "取消2" means what they saw.

Lists (events, one's sign-ups, one's bookings) are shown numbered; the ids behind the
numbers are kept in Redis for the conversation's lifetime, so an item that passed or
changed in between never shifts a number onto another. Without the list (Redis down, or
it expired) the caller uses the current one.
"""

from __future__ import annotations

import json

from bot.context import Context
from core.cache import cache
from core.nlu.slots import LAST


def _key(kind: str, openid: str) -> str:
    return cache.key(kind, openid)


def remember(ctx: Context, kind: str, ids: list[int]) -> None:
    cache.set(
        _key(kind, ctx.message.from_user), json.dumps(ids), ctx.settings.conversation_ttl_seconds
    )


def forget(ctx: Context, kind: str) -> None:
    cache.delete(_key(kind, ctx.message.from_user))


def recall(ctx: Context, kind: str) -> list[int] | None:
    raw = cache.get(_key(kind, ctx.message.from_user))
    try:
        return [int(i) for i in json.loads(raw)] if raw else None
    except (TypeError, ValueError):
        return None


def position(ordinal: object, size: int) -> int | None:
    """A 1-based position from an ordinal slot (a number, or "last"), within `size`."""
    index = size if ordinal == LAST else ordinal
    return index if isinstance(index, int) and 1 <= index <= size else None
