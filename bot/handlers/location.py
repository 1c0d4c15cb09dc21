"""Shared locations: kept on the person and answered with the nearest service stations."""

from __future__ import annotations

from bot.context import Context
from bot.handlers.stations import location_reply
from bot.reply import Reply
from bot.router import router
from core.people import people


@router.message("location")
def shared_location(ctx: Context) -> Reply:
    return location_reply(ctx)


@router.event("location")
def reported_location(ctx: Context) -> Reply:
    """The periodic LOCATION event: store it, reply nothing (WeChat expects success)."""
    msg = ctx.message
    if msg.latitude is not None and msg.longitude is not None:
        people.record_location(ctx.person, msg.latitude, msg.longitude)
    return Reply.quiet(intent="location_event")
