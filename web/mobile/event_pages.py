"""What `/m/events` shows, shaped for templates: each event's time, place, seats and state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.jobs import events
from core.jobs.models import SCHEDULED, Event
from core.people.models import Person

LISTED = 50


@dataclass(frozen=True)
class EventCard:
    event: Event
    kind: str
    when: str
    place: str
    seats_left: int
    open: bool  # scheduled and not started: sign-up and withdrawal possible
    mine: bool  # the person on the page has an active sign-up

    @property
    def state(self) -> str:
        if self.event.status != SCHEDULED:
            return "已取消"
        if not self.open:
            return "已结束"
        return "已报名" if self.mine else ("名额已满" if self.seats_left == 0 else "报名中")


def card(event: Event, now: datetime, mine: bool) -> EventCard:
    return EventCard(
        event,
        events.kind_label(event),
        events.when_text(event),
        events.place_text(event),
        events.seats_left(event),
        events.is_open(event, now),
        mine,
    )


def _my_event_ids(session: Session, person: Person | None, now: datetime) -> set[int]:
    if person is None:
        return set()
    return {s.event_id for s in events.signups_of(session, person, now)}


def upcoming_cards(
    session: Session, person: Person | None, now: datetime, town: str = ""
) -> list[EventCard]:
    mine = _my_event_ids(session, person, now)
    rows = events.upcoming(session, now, town=town or None, limit=LISTED)
    return [card(e, now, e.id in mine) for e in rows]


def my_cards(session: Session, person: Person | None, now: datetime) -> list[EventCard]:
    if person is None:
        return []
    return [card(s.event, now, True) for s in events.signups_of(session, person, now)]


def detail_card(session: Session, event: Event, person: Person | None, now: datetime) -> EventCard:
    mine = person is not None and events.active_signup(session, person, event) is not None
    return card(event, now, mine)
