"""WeChat's subscribe-message events: record what the person allowed; WeChat shows nothing."""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import router
from core.broadcast import consents


@router.event("subscribe_msg_popup_event", "subscribe_msg_change_event")
def consent_changed(ctx: Context) -> Reply:
    """Accepts add a use for broadcasts by subscribe message; rejects withdraw it."""
    consents.record(ctx.session, ctx.person, ctx.message.consent_changes)
    return Reply.quiet(intent="consent")


@router.event("subscribe_msg_sent_event")
def consent_message_delivered(ctx: Context) -> Reply:
    """WeChat's delivery report for a subscribe message; the ledger already has the send."""
    return Reply.quiet(intent="consent_sent")
