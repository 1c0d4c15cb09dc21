"""A booking as people read it: the same words in the chat, on the pages and in pushes."""

from __future__ import annotations

from core.booking.models import Booking
from core.timeutil import span_text


def when_text(booking: Booking) -> str:
    """ "12月3日 周四 09:00-09:30": the booked slot on Shanghai's clock."""
    return span_text(booking.slot.starts_at, booking.slot.ends_at)
