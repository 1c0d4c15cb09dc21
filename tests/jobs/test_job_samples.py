"""Sample postings and events load on first start, labelled as sample, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.booking import station_csv
from core.demo import load_demo_data
from core.jobs.models import EVENT_KINDS, Event, JobPosting
from core.jobs.samples import load_if_empty
from core.timeutil import local_today, utcnow


def test_samples_are_labelled_dated_ahead_and_loaded_once(db_session):
    station_csv.load_sample_if_empty(db_session)
    now = utcnow()
    postings, events = load_if_empty(db_session, now)
    db_session.commit()
    assert 15 <= postings <= 20
    assert 4 <= events <= 6
    jobs = list(db_session.scalars(select(JobPosting)))
    assert all(p.is_sample and "示例" in p.employer for p in jobs)
    assert all(p.valid_until > local_today(now) for p in jobs)
    assert len({p.town for p in jobs}) >= 6
    assert len({p.industry for p in jobs}) >= 6
    fairs = list(db_session.scalars(select(Event)))
    assert all(e.is_sample and "示例" in e.title and e.starts_at > now for e in fairs)
    assert {e.kind for e in fairs} == set(EVENT_KINDS)
    assert load_if_empty(db_session, now + timedelta(days=1)) == (0, 0)


def test_demo_data_brings_the_samples_and_a_restart_adds_none(db_session):
    load_demo_data(db_session)
    db_session.commit()
    load_demo_data(db_session)
    db_session.commit()
    count = db_session.scalar(select(func.count()).select_from(JobPosting))
    assert count == len(list(db_session.scalars(select(JobPosting.ref).distinct())))
    assert db_session.scalar(select(func.count()).select_from(Event)) == 5


def test_without_the_sample_stations_only_events_at_an_address_load(db_session):
    _, events = load_if_empty(db_session, utcnow())
    [event] = db_session.scalars(select(Event)).all()
    assert events == 1
    assert event.station_id is None
    assert "示例地址" in event.address
