"""Numbered lists that always fit one chat reply, with their instructions intact.

Cutting a long reply at the byte limit would drop the last lines, which are the ones
that say what to reply; instead whole entries are left off the end, and the caller
learns how many were shown (so `更多` carries on from the right one).
"""

from __future__ import annotations

from core.textfit import MAX_TEXT_BYTES


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def fitted_list(
    head: str, blocks: list[str], tail: list[str], limit: int = MAX_TEXT_BYTES
) -> tuple[str, int]:
    """`head`, as many leading `blocks` as fit, then every `tail` line; and the count shown.

    At least one block is always shown (the pipeline trims a single oversized one).
    """
    budget = limit - _size(head) - sum(_size(line) + 1 for line in tail)
    shown: list[str] = []
    for block in blocks:
        if shown and budget - (_size(block) + 1) < 0:
            break
        shown.append(block)
        budget -= _size(block) + 1
    return "\n".join([head, *shown, *tail]), len(shown)
