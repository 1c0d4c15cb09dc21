"""How many statements a booking costs: each one is a round trip under a desk's lock or a
person's, so a change that adds one should be a decision, not an accident."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from core.booking import availability, booking
from core.booking.booking import BookingError
from core.db import db
from core.people.people import get_or_create_person
from tests.booking.conftest import NOW, at


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (not BEGIN/COMMIT)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    assert db.engine is not None
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def ready(make_station, db_session):
    """A one-desk station whose Thursday slot rows exist, its schedule loaded, two people."""
    station = make_station(desks=1)
    availability.slots_for_day(db_session, station, date(2026, 12, 3), NOW)
    people = [get_or_create_person(db_session, f"o-rt-{n}") for n in range(2)]
    db_session.commit()
    _ = (station.hours, station.exceptions, [p.id for p in people])
    return station, people


def test_a_booking_is_three_statements(ready, db_session):
    station, (alice, _) = ready
    with statements() as seen:
        booking.book(db_session, alice, station, at(3, 9), 3, NOW)
    assert seen == ["SELECT", "UPDATE", "INSERT"]
    db_session.commit()


def test_a_full_slot_is_refused_in_one_statement(ready, db_session):
    station, (alice, bob) = ready
    booking.book(db_session, alice, station, at(3, 9), 3, NOW)
    db_session.commit()
    with statements() as seen, pytest.raises(BookingError) as info:
        booking.book(db_session, bob, station, at(3, 9), 3, NOW)
    assert info.value.code == "full"
    assert seen == ["SELECT"]
    db_session.rollback()
    assert info.value.alternatives  # still there for whoever shows them


def test_a_cancel_is_two_statements(ready, db_session):
    station, (alice, _) = ready
    made = booking.book(db_session, alice, station, at(3, 9), 3, NOW)
    db_session.commit()
    with statements() as seen:
        booking.cancel(db_session, made, by="person", now=NOW)
        db_session.flush()
    assert seen == ["UPDATE", "UPDATE"]
    db_session.commit()
