"""Handlers register themselves on `bot.router.router` when imported."""

from bot.handlers import (
    booking_chat,
    consents,
    events,
    events_chat,
    faq,
    flow,
    handover,
    help,
    jobs_chat,
    location,
    media,
    my_bookings,
    picks,
    smalltalk,
    stations,
    subscribe_flow,
)

__all__ = [
    "booking_chat",
    "consents",
    "events",
    "events_chat",
    "faq",
    "flow",
    "handover",
    "help",
    "jobs_chat",
    "location",
    "media",
    "my_bookings",
    "picks",
    "smalltalk",
    "stations",
    "subscribe_flow",
]
