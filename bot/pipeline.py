"""One message, answered exactly once.

WeChat retries a callback it did not get an answer to within 5 s (three tries in
about 15 s). Two layers make sure a retry never repeats work:

1. Redis `SET NX` on the message's dedup key, shared by every worker. The first try
   takes it, runs and stores its reply there (a few milliseconds after answering, in a
   batch: core.cache.DeferredSets); a retry that finds a stored reply answers it, one
   that finds the claim still "pending" (the first running, or its reply not yet
   stored) waits for it, bounded by `retry_wait_seconds`, then answers "success".
   With the key taken, the log rows go to the batch writer
   (core.chatlog.activity_log) and the reply waits for no database work the handler
   does not need.
2. When Redis is down: the message log's unique dedup key, inserted before any handler
   runs, in the same transaction as everything the handler changes. A concurrent retry
   blocks on the key, then reads the stored reply.
"""

from __future__ import annotations

import json
import logging
import time

from sqlalchemy.exc import IntegrityError

from bot import followups, texts
from bot.context import Context
from bot.handlers import smalltalk
from bot.inbound import Inbound
from bot.reply import Reply, fit_text
from bot.router import Router, router
from bot.session import Conversation
from core.cache import cache
from core.chatlog import messages
from core.chatlog.activity_log import LoggedExchange, activity_writer
from core.config import Settings
from core.db import db
from core.people import people
from core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
APOLOGY = "抱歉，系统刚才出了点问题，请稍后再试一次。如需帮助可发送“人工”。"


def answer(message: Inbound, settings: Settings, routes: Router = router) -> Reply:
    """The reply for a message, running it only if no other try already has.

    Within WeChat's 5 s: a locked SQLite is waited for `chat_db_busy_seconds` at most.
    """
    with db.busy_timeout(settings.chat_db_busy_seconds):
        return _answer(message, settings, routes)


def _answer(message: Inbound, settings: Settings, routes: Router) -> Reply:
    key = cache.key("dedup", message.dedup_key)
    conversation_key = Conversation.key_for(message.from_user)
    claimed, conversation_raw = cache.set_nx_and_get(
        key, PENDING, settings.retry_memory_seconds, conversation_key
    )
    if claimed is False:
        return _wait_for_first_try(key, message, settings)
    if not claimed:
        log.warning(
            "dedup degraded (Redis down) for %s; relying on the database", message.dedup_key
        )
        done = _run_logged_now(message, settings, routes)
        if done is None:
            return Reply(text=APOLOGY, handler="pipeline.failure")
        return done[0]  # the database keeps the reply for retries
    conversation = Conversation(
        message.from_user, settings.conversation_ttl_seconds, conversation_raw, deferred=True
    )
    done = _run_logged_later(message, settings, routes, conversation)
    state = conversation.pending_write()
    if done is None:
        # Let a retry run it again; what the conversation changed stays, as it did when
        # each change was written at once.
        cache.send("release", *([state] if state else []), ("DEL", key))
        return Reply(text=APOLOGY, handler="pipeline.failure")
    reply, payload = done
    if state is None:
        # Kept for retries, in a batch: nothing else to write now.
        cache.set_later(key, payload, settings.retry_memory_seconds)
    else:
        # The conversation's one write and the reply kept for retries, in one round trip.
        cache.send("store", state, ("SET", key, payload, "EX", settings.retry_memory_seconds))
    return reply


def _wait_for_first_try(key: str, message: Inbound, settings: Settings) -> Reply:
    """A retry: answer the first try's reply, waiting for it a little while if needed."""
    deadline = time.monotonic() + settings.retry_wait_seconds
    delay = 0.02
    while True:
        value = cache.get(key)
        if value and value != PENDING:
            return Reply.from_dict(json.loads(value))
        if value is None:
            stored = _stored_reply(message)
            if stored is not None:
                return stored
        if time.monotonic() >= deadline:
            log.info("retry of %s still running; answering success", message.dedup_key)
            return Reply.quiet(handler="pipeline.retry")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _stored_reply(message: Inbound) -> Reply | None:
    try:
        payload = messages.stored_reply_payload(db.session(), message.dedup_key)
    finally:
        db.session.remove()
    return Reply.from_dict(payload) if payload else None


def _run_logged_later(
    message: Inbound, settings: Settings, routes: Router, conversation: Conversation
) -> tuple[Reply, str] | None:
    """Redis holds the claim: run the handler, commit only what it changed, queue the log."""
    ctx = Context(message, conversation, settings, logs_later=True)
    try:
        reply = _dispatch(ctx, routes, isolate=False)
        if ctx.session_used and ctx.session.in_transaction():
            ctx.session.commit()
    except Exception:
        if ctx.session_used:
            ctx.session.rollback()
        log.exception("could not store the effects of message %s", message.dedup_key)
        return None
    finally:
        db.session.remove()
    payload = _finish(reply)
    if reply.forget:
        return reply, payload
    activity_writer.submit(
        LoggedExchange(
            openid=message.from_user,
            at=utcnow(),
            opens_window=message.opens_service_window,
            msg_type=message.kind,
            content=_loggable(message),
            dedup_key=message.dedup_key,
            reply_kind=reply.kind,
            reply_text=reply.shown_text(),
            reply_payload_json=payload,
            handler=reply.handler,
            intent=reply.intent,
            understood=(reply.understood or {}).get("intent"),
            confidence=(reply.understood or {}).get("confidence"),
            extras=ctx.with_log or None,
        )
    )
    return reply, payload


def _run_logged_now(
    message: Inbound, settings: Settings, routes: Router
) -> tuple[Reply, str] | None:
    """No Redis: log, route, handle and log the reply in one transaction."""
    session = db.session()
    try:
        person = people.get_or_create_person(session, message.from_user)
        inbound = messages.log_inbound(
            session, person, message.kind, _loggable(message), message.dedup_key
        )
    except IntegrityError:
        session.rollback()
        log.info("duplicate %s caught by the database", message.dedup_key)
        reply = _stored_reply(message) or Reply.quiet(handler="pipeline.duplicate")
        return reply, json.dumps(reply.to_dict(), ensure_ascii=False)
    try:
        people.touch(person, user_message=message.opens_service_window)
        conversation = Conversation(person.openid, settings.conversation_ttl_seconds)
        ctx = Context(message, conversation, settings, session, person, inbound)
        reply = _dispatch(ctx, routes, isolate=True)
        payload = _finish(reply)
        if reply.forget:
            session.commit()
            return reply, payload
        logged = messages.log_outbound(
            session,
            person,
            msg_type=reply.kind,
            content=reply.shown_text(),
            channel="passive",
            reply_to=inbound,
            payload=reply.to_dict(),
            handler=reply.handler,
            intent=reply.intent,
        )
        logged.understood = (reply.understood or {}).get("intent")
        logged.confidence = (reply.understood or {}).get("confidence")
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not store message %s", message.dedup_key)
        return None
    finally:
        db.session.remove()
    return reply, payload


def _finish(reply: Reply) -> str:
    """Fit the text to WeChat's limit; the payload (JSON) stored for retries and the log."""
    if reply.text:
        reply.text = fit_text(reply.text)
    return json.dumps(reply.to_dict(), ensure_ascii=False)


def _dispatch(ctx: Context, routes: Router, *, isolate: bool) -> Reply:
    """Run the matching handler; its exception becomes a logged apology, never a 500.

    A failed handler's database changes are undone: with `isolate`, by a savepoint (the
    inbound log row shares the transaction); otherwise by rolling back the session, which
    then holds nothing else.
    """
    if ctx.message.too_long:  # cut at the gateway: nothing reads it, the person is told
        return Reply(text=texts.TOO_LONG_REPLY, handler="pipeline.too_long")
    rule = routes.resolve(ctx)
    if rule is None:
        return Reply.quiet(handler="router.none")
    try:
        if isolate:
            with ctx.session.begin_nested():
                reply = rule.func(ctx)
        else:
            reply = rule.func(ctx)
    except Exception:
        log.exception("handler %s failed on message %s", rule.name, ctx.message.dedup_key)
        if not isolate and ctx.session_used:
            ctx.session.rollback()
        return Reply(text=APOLOGY, handler=rule.name, intent="error")
    reply.handler = reply.handler or rule.name
    followups.note(ctx, reply)
    if ctx.understood is not None and reply.understood is None:
        reply.understood = ctx.understood
        smalltalk.second_request(ctx, reply)
    return reply


def _loggable(message: Inbound) -> str:
    if message.msg_type == "text":
        return message.content
    if message.msg_type == "voice":
        return message.recognition
    if message.msg_type == "location":
        return f"{message.latitude},{message.longitude} {message.label}".strip()
    if message.msg_type == "event":
        return message.event_key
    return message.url or message.title
