"""50 people at once for a slot with 3 desks: exactly 3 bookings, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

from sqlalchemy import func, select

from core.booking import availability, booking
from core.booking.booking import BookingError
from core.booking.models import Booking, BookingSlot
from core.db import db
from core.people import people
from core.people.models import Person
from tests.booking.conftest import NOW, at

ATTEMPTS = 50
DAY = date(2026, 12, 3)


def _attempt(
    station_id: int, openid: str, barrier: threading.Barrier, starts: datetime | None = None
) -> str:
    session = db.session()
    try:
        person = people.get_or_create_person(session, openid)
        station = session.get(_station_model(), station_id)
        _ = (station.hours, station.exceptions)  # loaded now, so the attempts start together
        session.commit()
        barrier.wait()
        try:
            booking.book(session, person, station, starts or at(3, 9), 3, NOW)
            session.commit()
            return "booked"
        except BookingError as exc:
            session.rollback()
            return exc.code
    finally:
        db.session.remove()


def _station_model():
    from core.booking.models import Station

    return Station


def test_fifty_concurrent_attempts_fill_three_desks_exactly(make_station, db_session):
    station = make_station(desks=3)
    barrier = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        results = list(
            pool.map(lambda i: _attempt(station.id, f"o-race-{i}", barrier), range(ATTEMPTS))
        )
    assert results.count("booked") == 3
    assert set(results) <= {"booked", "full"}
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Booking)) == 3
    slot = db_session.scalar(
        select(BookingSlot).where(
            BookingSlot.station_id == station.id, BookingSlot.starts_at == at(3, 9)
        )
    )
    assert slot.booked == 3


def test_one_person_racing_themself_gets_one_booking(make_station, db_session):
    station = make_station(desks=5)
    barrier = threading.Barrier(10)
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda i: _attempt(station.id, "o-same", barrier), range(10)))
    assert results.count("booked") == 1
    db_session.expire_all()
    person = db_session.scalar(select(Person).where(Person.openid == "o-same"))
    assert (
        db_session.scalar(
            select(func.count()).select_from(Booking).where(Booking.person_id == person.id)
        )
        == 1
    )


def test_one_person_racing_for_many_slots_stays_within_the_limit(make_station, db_session):
    """The limit is checked again when the desk is taken, after the person's row is locked."""
    station = make_station(desks=5, max_active_per_person=2)
    starts = [s.starts_at for s in availability.slots_for_day(db_session, station, DAY, NOW)]
    db_session.commit()
    barrier = threading.Barrier(len(starts))
    with ThreadPoolExecutor(len(starts)) as pool:
        results = list(pool.map(lambda s: _attempt(station.id, "o-greedy", barrier, s), starts))
    assert results.count("booked") == 2
    assert set(results) == {"booked", "limit"}
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Booking)) == 2
    booked = db_session.scalars(select(BookingSlot.booked).where(BookingSlot.booked > 0)).all()
    assert sorted(booked) == [1, 1]


def test_concurrent_cancels_free_the_desk_once(make_station, db_session):
    station = make_station(desks=1)
    person = people.get_or_create_person(db_session, "o-cancel")
    made = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    db_session.commit()
    barrier = threading.Barrier(8)

    def cancel_once(_):
        session = db.session()
        try:
            mine = session.get(Booking, made.id)
            barrier.wait()
            try:
                booking.cancel(session, mine, by="person", now=NOW)
                session.commit()
                return "cancelled"
            except BookingError:
                session.rollback()
                return "refused"
        finally:
            db.session.remove()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(cancel_once, range(8)))
    assert results.count("cancelled") == 1
    db_session.expire_all()
    assert db_session.get(BookingSlot, made.slot_id).booked == 0
