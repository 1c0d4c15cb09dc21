"""The daily digest: new matching postings, to those who opted in, once, never empty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.jobs import digest
from core.jobs.models import Subscription
from core.timeutil import LOCAL_TZ, utcnow
from core.wechat.models import OutboxMessage
from tests.broadcast.conftest import LONG_AGO


def _outbox(db_session):
    db_session.expire_all()
    return {m.openid: m.content for m in db_session.scalars(select(OutboxMessage))}


def test_each_subscriber_gets_the_new_postings_that_match(
    db_session, subscriber, factories, settings
):
    subscriber("o-anting-mfg", digest=True, towns=("安亭镇",), industries=("制造业",))
    subscriber("o-any", digest=True)
    subscriber("o-nanxiang", digest=True, towns=("南翔镇",))
    subscriber("o-no-digest", towns=("安亭镇",))
    factories.job_posting(
        title="数控操作工", town="安亭镇", industry="制造业", veterans_priority=True
    )
    factories.job_posting(title="仓库管理员", town="安亭镇", industry="物流运输")
    factories.job_posting(title="已结束岗位", town="安亭镇", industry="制造业", status="closed")
    # Past its last day but not yet closed by the hourly job: it leaves the digest too.
    yesterday = utcnow().astimezone(LOCAL_TZ).date() - timedelta(days=1)
    factories.job_posting(title="过期岗位", town="安亭镇", industry="制造业", valid_until=yesterday)

    run = digest.send_due(db_session, settings, utcnow())

    sent = _outbox(db_session)
    assert set(sent) == {"o-anting-mfg", "o-any"}
    assert "数控操作工" in sent["o-anting-mfg"]
    assert "仓库管理员" not in sent["o-anting-mfg"]
    assert "【退役军人优先】" in sent["o-anting-mfg"]
    assert "月薪" in sent["o-anting-mfg"]
    assert "数控操作工" in sent["o-any"]
    assert "仓库管理员" in sent["o-any"]
    assert "已结束岗位" not in sent["o-any"]
    assert "过期岗位" not in sent["o-any"]
    assert (run.sent, run.nothing_new) == (2, 1)
    assert all(len(text.encode()) < 2048 for text in sent.values())


def test_a_second_run_sends_nothing_until_there_is_something_new(
    db_session, subscriber, factories, settings
):
    subscriber("o-daily", digest=True)
    factories.job_posting(title="保安员")
    digest.send_due(db_session, settings, utcnow())
    again = digest.send_due(db_session, settings, utcnow() + timedelta(seconds=1))
    assert (again.sent, again.nothing_new) == (0, 1)
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 1

    factories.job_posting(title="叉车司机", published_at=utcnow() + timedelta(seconds=2))
    digest.send_due(db_session, settings, utcnow() + timedelta(seconds=3))
    texts = [
        m.content for m in db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    assert len(texts) == 2
    assert "叉车司机" in texts[1]
    assert "保安员" not in texts[1]


def test_unfollowed_and_unreachable_people_get_nothing(db_session, subscriber, factories, settings):
    subscriber("o-left", digest=True, subscribed=False)
    far = subscriber("o-far", digest=True, last_message_at=LONG_AGO)
    factories.job_posting()

    run = digest.send_due(db_session, settings, utcnow())

    assert _outbox(db_session) == {}
    assert run.unreachable == 1
    sub = db_session.scalar(select(Subscription).where(Subscription.person_id == far.id))
    assert sub.digest_sent_at is None  # their postings wait for a day they can be reached


def test_a_claimed_digest_is_not_sent_twice(db_session, subscriber, factories, settings):
    person = subscriber("o-race", digest=True)
    factories.job_posting()
    sub = db_session.scalar(select(Subscription).where(Subscription.person_id == person.id))
    stale_copy_time = sub.digest_sent_at
    assert digest._claim(db_session, sub, utcnow())  # another scheduler won the claim
    db_session.commit()
    sub.digest_sent_at = stale_copy_time  # this one still holds the old value
    assert not digest._claim(db_session, sub, utcnow())


@pytest.mark.parametrize("text", ["18:00", "7:30", " 21:05 "])
def test_digest_time_parses(text):
    assert digest.parse_time(text).minute in (0, 30, 5)


@pytest.mark.parametrize("text", ["18", "6pm", "25:00", ""])
def test_a_bad_digest_time_is_refused(text):
    with pytest.raises(ValueError, match="HH:MM"):
        digest.parse_time(text)
