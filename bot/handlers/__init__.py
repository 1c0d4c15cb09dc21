"""Handlers register themselves on `bot.router.router` when imported."""

from bot.handlers import (
    booking_chat,
    events,
    faq,
    flow,
    handover,
    help,
    location,
    media,
    my_bookings,
    stations,
)

__all__ = [
    "booking_chat",
    "events",
    "faq",
    "flow",
    "handover",
    "help",
    "location",
    "media",
    "my_bookings",
    "stations",
]
