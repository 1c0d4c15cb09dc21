"""All models, imported here so metadata (and Alembic) sees every table."""

from core.models.base import Base
from core.models.booking import Booking, BookingSlot
from core.models.broadcast import Broadcast, BroadcastRecipient, MassSendUsage, MessageConsent
from core.models.event import Event, EventSignup
from core.models.faq import FaqEntry, FaqQuery
from core.models.handover import HandoverRequest
from core.models.jobs import JobPosting
from core.models.message import MessageLog
from core.models.outbox import OutboxMessage
from core.models.person import Person
from core.models.staff import StaffUser
from core.models.station import Station, StationException, StationHours
from core.models.subscription import Subscription

__all__ = [
    "Base",
    "Booking",
    "BookingSlot",
    "Broadcast",
    "BroadcastRecipient",
    "Event",
    "EventSignup",
    "FaqEntry",
    "FaqQuery",
    "HandoverRequest",
    "JobPosting",
    "MassSendUsage",
    "MessageConsent",
    "MessageLog",
    "OutboxMessage",
    "Person",
    "StaffUser",
    "Station",
    "StationException",
    "StationHours",
    "Subscription",
]
