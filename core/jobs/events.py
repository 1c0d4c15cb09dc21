"""Signing up for job fairs and other events: never more people than places, whatever the races.

A place is taken by one conditional statement, `UPDATE event SET signed_up = signed_up
+ 1 WHERE id = ? AND signed_up < capacity AND status = 'scheduled'`, inside the same
savepoint as the INSERT of the sign-up (as booking slots do); the partial unique index
on active sign-ups makes a second one by the same person impossible. Withdrawing flips
the sign-up's status with a conditional UPDATE first, so a place is freed exactly once.
Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from core.jobs.models import EVENT_KINDS, SCHEDULED, SIGNED_UP, WITHDRAWN, Event, EventSignup
from core.people.models import Person
from core.timeutil import span_text, utcnow


class EventError(Exception):
    """Why a sign-up cannot be made or withdrawn, in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0))


def upcoming(
    session: Session, now: datetime | None = None, town: str | None = None, limit: int = 20
) -> list[Event]:
    """Scheduled events that have not started yet, soonest first."""
    query = (
        select(Event)
        .options(joinedload(Event.station))
        .where(Event.status == SCHEDULED, Event.starts_at > (now or utcnow()))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    if town:
        query = query.where(Event.town == town)
    return list(session.scalars(query).all())


def get_event(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def seats_left(event: Event) -> int:
    return max(0, event.capacity - event.signed_up)


def is_open(event: Event, now: datetime | None = None) -> bool:
    return event.status == SCHEDULED and event.starts_at > (now or utcnow())


def kind_label(event: Event) -> str:
    return EVENT_KINDS.get(event.kind, "活动")


def when_text(event: Event) -> str:
    """ "12月3日 周四 09:00-12:00" on Shanghai's clock (dates shown with their weekday)."""
    return span_text(event.starts_at, event.ends_at)


def place_text(event: Event) -> str:
    """The station's name and the address, whichever are known."""
    parts = [event.station.name] if event.station is not None else []
    if event.address:
        parts.append(event.address)
    elif event.station is not None and event.station.address:
        parts.append(event.station.address)
    return "，".join(parts) or event.town or "地点待定"


def active_signup(session: Session, person: Person, event: Event) -> EventSignup | None:
    return session.scalar(
        select(EventSignup).where(
            EventSignup.event_id == event.id,
            EventSignup.person_id == person.id,
            EventSignup.status == SIGNED_UP,
        )
    )


def _refusal(session: Session, event: Event, now: datetime) -> EventError:
    """Why the conditional UPDATE took no place: the event changed, or it is full."""
    session.refresh(event)
    if event.status != SCHEDULED:
        return EventError("cancelled", "该活动已取消，无法报名。")
    if event.starts_at <= now:
        return EventError("past", "该活动已开始或已结束，无法报名。")
    return EventError("full", "该活动名额已满，无法报名。")


def sign_up(
    session: Session, person: Person, event: Event, now: datetime | None = None
) -> EventSignup:
    """Take a place for `person`; EventError (nothing changed) when it cannot be done."""
    now = now or utcnow()
    if event.status != SCHEDULED:
        raise EventError("cancelled", "该活动已取消，无法报名。")
    if event.starts_at <= now:
        raise EventError("past", "该活动已开始或已结束，无法报名。")
    if active_signup(session, person, event) is not None:
        raise EventError("duplicate", "您已经报名了这个活动，无需重复报名。")
    signup = EventSignup(event_id=event.id, person_id=person.id, created_at=now)
    try:
        with session.begin_nested():
            taken = session.execute(
                update(Event)
                .where(
                    Event.id == event.id,
                    Event.signed_up < Event.capacity,
                    Event.status == SCHEDULED,
                    Event.starts_at > now,
                )
                .values(signed_up=Event.signed_up + 1)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) != 1:
                raise _refusal(session, event, now)
            session.add(signup)
            session.flush()
    except IntegrityError as exc:
        raise EventError("duplicate", "您已经报名了这个活动，无需重复报名。") from exc
    session.expire(event, ["signed_up"])
    return signup


def withdraw(session: Session, signup: EventSignup, now: datetime | None = None) -> None:
    """Cancel a sign-up and free its place exactly once."""
    now = now or utcnow()
    event = signup.event
    if event.starts_at <= now and event.status == SCHEDULED:
        raise EventError("past", "活动已开始或已结束，无法取消报名。")
    changed = session.execute(
        update(EventSignup)
        .where(EventSignup.id == signup.id, EventSignup.status == SIGNED_UP)
        .values(status=WITHDRAWN, withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(changed) != 1:
        raise EventError("not_active", "该报名已经取消过了。")
    session.execute(
        update(Event)
        .where(Event.id == signup.event_id, Event.signed_up > 0)
        .values(signed_up=Event.signed_up - 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(signup)
    session.expire(event, ["signed_up"])


def signups_of(
    session: Session, person: Person, now: datetime | None = None, include_past: bool = False
) -> list[EventSignup]:
    """A person's active sign-ups, soonest event first (upcoming ones unless `include_past`)."""
    query = (
        select(EventSignup)
        .join(Event, Event.id == EventSignup.event_id)
        .options(joinedload(EventSignup.event).joinedload(Event.station))
        .where(EventSignup.person_id == person.id, EventSignup.status == SIGNED_UP)
        .order_by(Event.starts_at, Event.id)
    )
    if not include_past:
        query = query.where(Event.ends_at > (now or utcnow()))
    return list(session.scalars(query).all())


def find_signup(session: Session, person: Person, signup_id: int) -> EventSignup | None:
    """One of `person`'s sign-ups by id; someone else's is simply not found."""
    signup = session.get(EventSignup, signup_id)
    return signup if signup is not None and signup.person_id == person.id else None
