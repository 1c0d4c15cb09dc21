"""The numbered list a person saw last, per kind, so "第二个" / "取消2" means what they saw.

Lists (jobs, events, one's sign-ups, one's bookings, the FAQ's choices) are shown
numbered; the ids behind the numbers are kept in the conversation state (bot.session,
Redis) for its lifetime, so an item that passed or changed in between never shifts a
number onto another. Without the list (Redis down, or it expired) the caller uses the
current one. They travel with the state, read when the message is claimed and written
with it once, so remembering a list costs no round trip of its own.

Which kind was shown last is kept too: a bare "2" or "第二个" picks from that list
(`PICKERS`, registered by each feature), and with no list it is not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.reply import Reply
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


def _memo(kind: str) -> str:
    return f"seen:{kind}"


def remember(ctx: Context, kind: str, ids: list[int]) -> None:
    ctx.conversation.remember(_memo(kind), [int(i) for i in ids])
    mark(ctx, kind)


def mark(ctx: Context, kind: str) -> None:
    """`kind` is the numbered list the person saw last."""
    ctx.conversation.remember(LAST_SEEN, kind)


def last_kind(ctx: Context) -> str | None:
    kind = ctx.conversation.recall(LAST_SEEN)
    return kind if isinstance(kind, str) else None


def forget(ctx: Context, kind: str) -> None:
    ctx.conversation.remember(_memo(kind), None)


def recall(ctx: Context, kind: str) -> list[int] | None:
    ids = ctx.conversation.recall(_memo(kind))
    try:
        return [int(i) for i in ids] if ids else None
    except (TypeError, ValueError):
        return None


def position(ordinal: object, size: int) -> int | None:
    """A 1-based position from an ordinal slot (a number, or "last"), within `size`."""
    index = size if ordinal == LAST else ordinal
    return index if isinstance(index, int) and 1 <= index <= size else None
