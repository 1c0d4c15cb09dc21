"""Small talk, and a second request in the same message.

A greeting or a thank-you that comes with a request ("你好，有保安的活吗") is answered by
doing the request with a friendly word in front; alone, it gets a short answer and what
the bot can do.
"""

from __future__ import annotations

from bot import texts
from bot.context import Context
from bot.handlers.handover import while_waiting
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import router

OPENING_WORDS = {"chat.greeting": texts.GREETING, "chat.thanks": texts.THANKS}


def _with_request(ctx: Context, word: str) -> Reply | None:
    """The request that came with a greeting or thanks, answered with the word in front."""
    also = ctx.understanding.also
    rule = router.intent_rules.get(also[0]) if also else None
    if rule is None:
        return None
    reply = rule.func(ctx)
    ctx.answered.add(also[0])
    if reply.text:
        reply.text = word + reply.text
    return reply


@router.intent("chat.greeting")
def greeting(ctx: Context) -> Reply:
    return _with_request(ctx, texts.GREETING) or Reply(
        text=texts.GREETING_REPLY + capabilities_text(), intent="chat"
    )


@router.intent("chat.thanks")
def thanks(ctx: Context) -> Reply:
    return _with_request(ctx, texts.THANKS) or Reply(text=texts.THANKS_REPLY, intent="chat")


@router.intent("chat.who")
def who(ctx: Context) -> Reply:
    return Reply(text=texts.WHO_REPLY + capabilities_text(), intent="chat")


@router.intent("chat.goodbye")
def goodbye(ctx: Context) -> Reply:
    return Reply(text=texts.GOODBYE_REPLY, intent="chat")


@router.intent("chat.complaint")
def complaint(ctx: Context) -> Reply:
    return while_waiting(ctx) or Reply(text=texts.COMPLAINT_REPLY, intent="chat")


@router.intent("chat.praise")
def praise(ctx: Context) -> Reply:
    return Reply(text=texts.PRAISE_REPLY, intent="chat")


def second_request(ctx: Context, reply: Reply) -> None:
    """A second request in the message that the reply did not answer: say how to ask."""
    u = ctx.understanding
    for intent in u.also:
        how = texts.HOW_TO_ASK.get(intent)
        if how and reply.text and intent != u.intent and intent not in ctx.answered:
            reply.text += "\n" + texts.SECOND_REQUEST.format(how=how)
            return
