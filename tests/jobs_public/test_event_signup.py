"""Signing up for events: places, duplicates, cancelled and past events, withdrawing once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.jobs import events
from core.jobs.events import EventError
from core.jobs.models import CANCELLED
from core.timeutil import utcnow


def test_sign_up_takes_a_place_and_withdraw_frees_it(factories, db_session):
    fair = factories.event(capacity=2)
    person = factories.person()
    signup = events.sign_up(db_session, person, fair)
    db_session.commit()
    assert fair.signed_up == 1
    assert events.seats_left(fair) == 1
    assert [s.id for s in events.signups_of(db_session, person)] == [signup.id]
    events.withdraw(db_session, signup)
    db_session.commit()
    assert fair.signed_up == 0
    assert events.signups_of(db_session, person) == []


def test_a_second_sign_up_is_refused_kindly(factories, db_session):
    fair = factories.event()
    person = factories.person()
    events.sign_up(db_session, person, fair)
    db_session.commit()
    with pytest.raises(EventError) as caught:
        events.sign_up(db_session, person, fair)
    assert caught.value.code == "duplicate"
    assert "已经报名" in caught.value.message
    db_session.rollback()
    assert fair.signed_up == 1


def test_full_cancelled_and_past_events_refuse_and_change_nothing(factories, db_session):
    full = factories.event(capacity=1)
    events.sign_up(db_session, factories.person(), full)
    db_session.commit()
    late = factories.person()
    with pytest.raises(EventError) as caught:
        events.sign_up(db_session, late, full)
    assert caught.value.code == "full"
    assert full.signed_up == 1

    cancelled = factories.event(status=CANCELLED)
    with pytest.raises(EventError) as caught:
        events.sign_up(db_session, late, cancelled)
    assert caught.value.code == "cancelled"

    past = factories.event(starts_at=utcnow() - timedelta(hours=1))
    with pytest.raises(EventError) as caught:
        events.sign_up(db_session, late, past)
    assert caught.value.code == "past"
    assert past.signed_up == 0


def test_withdrawing_twice_frees_one_place(factories, db_session):
    fair = factories.event(capacity=3)
    signup = events.sign_up(db_session, factories.person(), fair)
    events.sign_up(db_session, factories.person(), fair)
    db_session.commit()
    events.withdraw(db_session, signup)
    with pytest.raises(EventError) as caught:
        events.withdraw(db_session, signup)
    assert caught.value.code == "not_active"
    db_session.commit()
    assert fair.signed_up == 1


def test_withdrawn_person_can_sign_up_again(factories, db_session):
    fair = factories.event(capacity=1)
    person = factories.person()
    events.withdraw(db_session, events.sign_up(db_session, person, fair))
    events.sign_up(db_session, person, fair)
    db_session.commit()
    assert fair.signed_up == 1


def test_upcoming_lists_scheduled_future_events_soonest_first_by_town(factories, db_session):
    now = utcnow()
    later = factories.event(starts_at=now + timedelta(days=9), town="安亭镇")
    sooner = factories.event(starts_at=now + timedelta(days=2), town="江桥镇")
    factories.event(starts_at=now - timedelta(days=1))
    factories.event(status=CANCELLED)
    assert [e.id for e in events.upcoming(db_session)] == [sooner.id, later.id]
    assert [e.id for e in events.upcoming(db_session, town="安亭镇")] == [later.id]


def test_someone_elses_signup_is_not_found(factories, db_session):
    fair = factories.event()
    mine = events.sign_up(db_session, factories.person(), fair)
    db_session.commit()
    assert events.find_signup(db_session, factories.person(), mine.id) is None
