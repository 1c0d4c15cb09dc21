"""30 people at once for an event with 5 places: exactly 5, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from core.db import db
from core.jobs import events
from core.jobs.events import EventError
from core.jobs.models import Event, EventSignup
from core.people import people

ATTEMPTS = 30


def _attempt(event_id: int, openid: str, barrier: threading.Barrier) -> str:
    session = db.session()
    try:
        person = people.get_or_create_person(session, openid)
        event = session.get(Event, event_id)
        session.commit()  # no transaction held at the barrier: SQLite would block the writers
        barrier.wait()
        try:
            events.sign_up(session, person, event)
            session.commit()
            return "signed_up"
        except EventError as exc:
            session.rollback()
            return exc.code
    finally:
        db.session.remove()


def _race(event_id: int, openids: list[str]) -> list[str]:
    barrier = threading.Barrier(len(openids))
    with ThreadPoolExecutor(len(openids)) as pool:
        return list(pool.map(lambda o: _attempt(event_id, o, barrier), openids))


def test_thirty_concurrent_sign_ups_fill_five_places_exactly(factories, db_session):
    fair = factories.event(capacity=5)
    results = _race(fair.id, [f"o-fair-{i}" for i in range(ATTEMPTS)])
    assert results.count("signed_up") == 5
    assert set(results) <= {"signed_up", "full"}
    db_session.expire_all()
    assert db_session.get(Event, fair.id).signed_up == 5
    count = select(func.count()).select_from(EventSignup).where(EventSignup.event_id == fair.id)
    assert db_session.scalar(count) == 5


def test_one_person_racing_themself_gets_one_place(factories, db_session):
    fair = factories.event(capacity=5)
    results = _race(fair.id, ["o-same"] * 8)
    assert results.count("signed_up") == 1
    assert set(results) <= {"signed_up", "duplicate"}
    db_session.expire_all()
    assert db_session.get(Event, fair.id).signed_up == 1
