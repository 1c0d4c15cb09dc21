"""All models, imported here so metadata (and Alembic) sees every table."""

from core.models.base import Base
from core.models.booking import Booking, BookingSlot
from core.models.faq import FaqEntry, FaqQuery
from core.models.handover import HandoverRequest
from core.models.message import MessageLog
from core.models.outbox import OutboxMessage
from core.models.person import Person
from core.models.staff import StaffUser
from core.models.station import Station, StationException, StationHours

__all__ = [
    "Base",
    "Booking",
    "BookingSlot",
    "FaqEntry",
    "FaqQuery",
    "HandoverRequest",
    "MessageLog",
    "OutboxMessage",
    "Person",
    "StaffUser",
    "Station",
    "StationException",
    "StationHours",
]
