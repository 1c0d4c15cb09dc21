"""Who a segment reaches: never people who unfollowed, chose nothing or sent 退订."""

from __future__ import annotations

import pytest

from core.broadcast.segments import Segment, SegmentError, count, person_chunks, validate
from core.jobs.models import Subscription
from tests.broadcast.conftest import sign_up


def _openids(db_session, segment):
    from core.people.models import Person

    ids = [i for chunk in person_chunks(db_session, segment, chunk=2) for i in chunk]
    return sorted(db_session.get(Person, i).openid for i in ids)


@pytest.fixture
def people(subscriber, factories, db_session):
    subscriber("o-anting", towns=("安亭镇",))
    subscriber("o-anytown")  # empty towns: any town
    subscriber("o-nanxiang", towns=("南翔镇",))
    subscriber("o-events", jobs=False, events=True, towns=("安亭镇",))
    subscriber("o-policy", jobs=False, policy_news=True)
    subscriber("o-digest", jobs=False, digest=True)
    subscriber("o-left", towns=("安亭镇",), subscribed=False)
    subscriber("o-nothing", jobs=False)  # sent 退订: a row with nothing on
    factories.person("o-never")  # follows, never chose


def test_all_subscribers(db_session, people):
    assert _openids(db_session, Segment("all")) == [
        "o-anting",
        "o-anytown",
        "o-digest",
        "o-events",
        "o-nanxiang",
        "o-policy",
    ]


def test_a_category(db_session, people):
    assert _openids(db_session, Segment("category", "jobs")) == [
        "o-anting",
        "o-anytown",
        "o-nanxiang",
    ]
    assert _openids(db_session, Segment("category", "events")) == ["o-events"]
    assert _openids(db_session, Segment("category", "policy_news")) == ["o-policy"]


def test_a_town_includes_those_who_chose_any_town(db_session, people):
    assert _openids(db_session, Segment("town", "安亭镇")) == ["o-anting", "o-anytown", "o-events"]
    assert count(db_session, Segment("town", "南翔镇")) == 2


def test_an_events_sign_ups(db_session, people, factories, subscriber):
    fair = factories.event()
    from sqlalchemy import select

    from core.people.models import Person

    by_openid = {p.openid: p for p in db_session.scalars(select(Person))}
    sign_up(db_session, fair.id, by_openid["o-anting"])
    sign_up(db_session, fair.id, by_openid["o-never"])  # signing up is a choice
    sign_up(db_session, fair.id, by_openid["o-nothing"])  # but 退订 stops everything
    sign_up(db_session, fair.id, by_openid["o-left"])
    sign_up(db_session, fair.id, by_openid["o-policy"], status="withdrawn")
    other = factories.event()
    sign_up(db_session, other.id, by_openid["o-anytown"])

    assert _openids(db_session, Segment("event", str(fair.id))) == ["o-anting", "o-never"]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("category", "sports", "请选择订阅类别。"),
        ("town", "浦东新区", "请选择街镇。"),
        ("event", "999999", "请选择活动。"),
        ("event", "abc", "请选择活动。"),
        ("everyone", "", "请选择发送对象。"),
    ],
)
def test_bad_segments_are_refused_in_chinese(db_session, app, kind, value, message):
    with pytest.raises(SegmentError, match=message):
        validate(db_session, kind, value)


def test_a_cancelled_event_cannot_be_targeted(db_session, factories):
    fair = factories.event(status="cancelled")
    with pytest.raises(SegmentError, match="已取消"):
        validate(db_session, "event", str(fair.id))
    assert db_session.query(Subscription).count() == 0
