"""Deleting a person's data on their request (`删除我的信息`), keeping anonymous counts.

What goes: the message log, their policy questions, handover requests, subscriptions,
message consents, mass-send counters and outbox copies. What stays, unlinked: the person
row loses its WeChat identity (the openid becomes a random `erased-…` token that
nothing can map back), its follow scene and times, and its location. Their bookings and
event sign-ups stay as rows of that anonymous person so that a day's or an event's
numbers still add up; the upcoming ones are cancelled first (their desks and places
freed) and any free text staff wrote on them is cleared. Broadcast ledger rows stay
too (a count of messages sent). The audit log keeps only the anonymous person's number.

Conversation state in Redis belongs to the chat channel, which clears it (bot.handlers.
privacy); a person who writes again afterwards is simply a new person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, Update, delete, func, select, update
from sqlalchemy.orm import Session

from core.people.models import HandoverRequest, Person
from core.timeutil import utcnow

ERASED_PREFIX = "erased-"
CANCEL_REASON = "本人已删除个人信息"


@dataclass(frozen=True)
class Erased:
    """What the erasure did, as counts (for the reply and the tests)."""

    messages: int
    questions: int
    bookings_cancelled: int
    signups_withdrawn: int


def is_erased(person: Person) -> bool:
    return person.erased_at is not None


def erase(session: Session, person: Person, now: datetime | None = None) -> Erased:
    """Remove `person`'s personal data everywhere; flushes, the caller commits."""
    now = now or utcnow()
    cancelled = _cancel_upcoming_bookings(session, person, now)
    withdrawn = _withdraw_upcoming_signups(session, person, now)
    messages, questions = _delete_rows(session, person)
    _anonymise(person, now)
    session.flush()
    return Erased(messages, questions, cancelled, withdrawn)


def _cancel_upcoming_bookings(session: Session, person: Person, now: datetime) -> int:
    from core.booking import booking
    from core.booking.booking import BookingError
    from core.booking.models import Booking

    cancelled = 0
    for row in booking.bookings_of(session, person):
        try:
            booking.cancel(session, row, by="person", reason=CANCEL_REASON, now=now)
            cancelled += 1
        except BookingError:  # cancelled or checked in a moment ago: nothing to free
            continue
    session.execute(
        update(Booking)
        .where(Booking.person_id == person.id, Booking.cancel_reason != CANCEL_REASON)
        .values(cancel_reason="")
        .execution_options(synchronize_session=False)
    )
    return cancelled


def _withdraw_upcoming_signups(session: Session, person: Person, now: datetime) -> int:
    from core.jobs import events
    from core.jobs.events import EventError

    withdrawn = 0
    for signup in events.signups_of(session, person, now):
        try:
            events.withdraw(session, signup, now)
            withdrawn += 1
        except EventError:  # started or already withdrawn: the row stays as a count
            continue
    return withdrawn


def _delete_rows(session: Session, person: Person) -> tuple[int, int]:
    """Every row that is about the person and not a count of something shared."""
    from core.broadcast.models import MassSendUsage, MessageConsent
    from core.chatlog.models import MessageLog
    from core.faq.models import FaqQuery
    from core.jobs.models import Subscription
    from core.wechat.models import OutboxMessage

    def gone(statement: Delete | Update) -> int:
        result = session.execute(statement.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    # Replies point at the message they answer: unhook them first (PostgreSQL checks).
    gone(
        update(MessageLog)
        .where(MessageLog.person_id == person.id, MessageLog.reply_to_id.is_not(None))
        .values(reply_to_id=None)
    )
    messages = gone(delete(MessageLog).where(MessageLog.person_id == person.id))
    questions = gone(delete(FaqQuery).where(FaqQuery.person_id == person.id))
    gone(delete(HandoverRequest).where(HandoverRequest.person_id == person.id))
    gone(delete(Subscription).where(Subscription.person_id == person.id))
    gone(delete(MessageConsent).where(MessageConsent.person_id == person.id))
    gone(delete(MassSendUsage).where(MassSendUsage.person_id == person.id))
    gone(delete(OutboxMessage).where(OutboxMessage.openid == person.openid))
    return messages, questions


def _anonymise(person: Person, now: datetime) -> None:
    person.openid = ERASED_PREFIX + secrets.token_hex(16)
    person.subscribed = False
    person.subscribe_scene = None
    person.subscribed_at = None
    person.unsubscribed_at = None
    person.last_seen_at = person.first_seen_at
    person.last_message_at = None
    person.latitude = None
    person.longitude = None
    person.location_label = None
    person.location_at = None
    person.erased_at = now


def erased_count(session: Session) -> int:
    """How many people have deleted their data (an anonymous count for the dashboard)."""
    return session.scalar(select(func.count()).where(Person.erased_at.is_not(None))) or 0
