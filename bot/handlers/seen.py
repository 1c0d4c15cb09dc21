"""The numbered list a person saw last, per kind, so "第二个" / "取消2" means what they saw.

Lists (jobs, events, one's sign-ups, one's bookings, the FAQ's choices) are shown
numbered; the ids behind the numbers are kept in Redis for the conversation's lifetime,
so an item that passed or changed in between never shifts a number onto another. Without
the list (Redis down, or it expired) the caller uses the current one.

Which kind was shown last is kept too: a bare "2" or "第二个" picks from that list
(`PICKERS`, registered by each feature), and with no list it is not guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.context import Context
from bot.reply import Reply
from core.cache import cache
from core.nlu.slots import LAST

LAST_SEEN = "seen_last"

# kind -> what a bare number does with that list (None: it has nothing to pick).
Picker = Callable[[Context, int], Reply | None]
PICKERS: dict[str, Picker] = {}


def picker(kind: str) -> Callable[[Picker], Picker]:
    """Register what a bare number means after a `kind` list."""

    def register(func: Picker) -> Picker:
        PICKERS[kind] = func
        return func

    return register


def _key(kind: str, openid: str) -> str:
    return cache.key(kind, openid)


def remember(ctx: Context, kind: str, ids: list[int]) -> None:
    cache.set(
        _key(kind, ctx.message.from_user), json.dumps(ids), ctx.settings.conversation_ttl_seconds
    )
    mark(ctx, kind)


def mark(ctx: Context, kind: str) -> None:
    """`kind` is the numbered list the person saw last."""
    cache.set(_key(LAST_SEEN, ctx.message.from_user), kind, ctx.settings.conversation_ttl_seconds)


def last_kind(ctx: Context) -> str | None:
    return cache.get(_key(LAST_SEEN, ctx.message.from_user))


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
