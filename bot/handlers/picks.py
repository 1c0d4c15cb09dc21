"""A bare number or "第二个" outside any flow picks from the numbered list seen last.

Each feature registers what a number means after its list (`seen.picker`): a job's
details, which booking or sign-up to act on, the FAQ's suggested question. Without a
list there is nothing to pick: the person hears what the service does, never a guess
(a bare "1" used to be looked up as a policy question, "第二个" read as signing up for
an event).
"""

from __future__ import annotations

from bot import texts
from bot.context import Context
from bot.handlers import choices, seen
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import BARE_NUMBER, router

# The FAQ's choices are also kept in the database when Redis is down (no "last list"
# then): asked last whatever the kind remembered.
FALLBACK_KIND = "faq"


@router.text(pattern=BARE_NUMBER)
def pick_from_last_list(ctx: Context) -> Reply:
    number = choices.number(ctx.text)
    if number is not None:
        for kind in dict.fromkeys([seen.last_kind(ctx), FALLBACK_KIND]):
            picker = seen.PICKERS.get(kind or "")
            reply = picker(ctx, number) if picker else None
            if reply is not None:
                return reply
    return Reply(text=texts.NOTHING_TO_PICK + capabilities_text(), intent="nothing_to_pick")
