"""Every domain's models, imported so `Base.metadata` knows every table.

Alembic's env (migrations/env.py), the migration test and anything that needs the whole
schema import this module; code that uses a model imports it from its domain.
"""

from core.booking.models import Booking, BookingSlot, Station, StationException, StationHours
from core.broadcast.models import Broadcast, BroadcastRecipient, MassSendUsage, MessageConsent
from core.chatlog.models import MessageLog
from core.db import Base
from core.faq.models import FaqEntry, FaqQuery
from core.jobs.models import Event, EventSignup, JobPosting, Subscription
from core.nlu.models import IntentPhrasing
from core.people.models import HandoverRequest, Person
from core.staff.models import AuditEntry, StaffUser
from core.wechat.models import OutboxMessage

__all__ = [
    "AuditEntry",
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
    "IntentPhrasing",
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
