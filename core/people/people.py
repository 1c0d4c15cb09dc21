"""Who we talk to: first contact, follows and unfollows, last message, location."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.people.models import Person
from core.timeutil import utcnow

# Degrees north or south, east or west: beyond these a coordinate is no place on Earth.
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0


def on_earth(latitude: float, longitude: float) -> bool:
    """A latitude and longitude within range (NaN is not)."""
    return (
        -MAX_LATITUDE <= latitude <= MAX_LATITUDE and -MAX_LONGITUDE <= longitude <= MAX_LONGITUDE
    )


def get_person(session: Session, openid: str) -> Person | None:
    return session.scalar(select(Person).where(Person.openid == openid))


def get_or_create_person(session: Session, openid: str) -> Person:
    """Race-safe: two first messages at once from one openid still make one row."""
    person = get_person(session, openid)
    if person is not None:
        return person
    try:
        with session.begin_nested():
            person = Person(openid=openid, subscribed=True)
            session.add(person)
    except IntegrityError:
        person = get_person(session, openid)
        if person is None:
            raise
    return person


def touch(person: Person, *, user_message: bool, now: datetime | None = None) -> None:
    """Record activity; a user-sent message (not every event) opens the 48-hour window."""
    now = now or utcnow()
    person.last_seen_at = now
    if user_message:
        person.last_message_at = now


def record_subscribe(person: Person, scene: str | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    person.subscribed = True
    person.subscribed_at = now
    person.unsubscribed_at = None
    if scene:
        person.subscribe_scene = scene[:128]
    # Following counts as an interaction that opens the customer-service window.
    person.last_message_at = now


def record_unsubscribe(person: Person, now: datetime | None = None) -> None:
    """After this the person gets no pushes of any kind."""
    person.subscribed = False
    person.unsubscribed_at = now or utcnow()


def record_location(
    person: Person, latitude: float, longitude: float, label: str = "", now: datetime | None = None
) -> bool:
    """Store a GCJ-02 location; False (and nothing stored) when it is not a real coordinate."""
    if not on_earth(latitude, longitude):
        return False
    person.latitude = latitude
    person.longitude = longitude
    person.location_label = label[:200] or None
    person.location_at = now or utcnow()
    return True
