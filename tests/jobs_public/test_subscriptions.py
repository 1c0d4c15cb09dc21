"""Subscription choices: checked against the fixed lists, described, cleared by 退订."""

from __future__ import annotations

import pytest

from core.jobs import subscriptions
from core.jobs.subscriptions import Choices, SubscriptionError


def test_update_keeps_known_values_in_list_order(factories, db_session):
    person = factories.person()
    saved = subscriptions.update(
        db_session,
        person,
        Choices(jobs=True, towns=["江桥镇", "安亭镇"], industries=["物流运输"], digest=True),
    )
    db_session.commit()
    assert saved.towns == ["安亭镇", "江桥镇"]
    assert saved.industries == ["物流运输"]
    assert saved.digest
    assert saved.digest_sent_at is not None
    text = subscriptions.describe(saved)
    assert "安亭镇、江桥镇" in text
    assert "物流运输" in text
    assert "每日新岗位推送" in text


def test_unknown_town_is_refused_and_nothing_saved(factories, db_session):
    person = factories.person()
    with pytest.raises(SubscriptionError) as caught:
        subscriptions.update(db_session, person, Choices(jobs=True, towns=["火星镇"]))
    assert "火星镇" in caught.value.message
    db_session.rollback()
    assert subscriptions.get(db_session, person) is None


def test_digest_needs_jobs(factories, db_session):
    saved = subscriptions.update(db_session, factories.person(), Choices(events=True, digest=True))
    assert not saved.digest
    assert saved.events


def test_unsubscribe_all_clears_every_flag_and_keeps_the_row(factories, db_session):
    person = factories.person()
    subscriptions.update(
        db_session,
        person,
        Choices(jobs=True, towns=["安亭镇"], events=True, policy_news=True, digest=True),
    )
    assert subscriptions.unsubscribe_all(db_session, person) is True
    db_session.commit()
    row = subscriptions.get(db_session, person)
    assert row is not None
    assert not row.anything
    assert row.towns == []
    assert subscriptions.describe(row) == "您目前没有订阅任何消息。"
    assert subscriptions.unsubscribe_all(db_session, person) is False


def test_a_subscription_is_found_by_openid_without_loading_the_person(factories, db_session):
    person = factories.person()
    saved = subscriptions.update(db_session, person, Choices(jobs=True, towns=["安亭镇"]))
    db_session.commit()
    assert subscriptions.of_openid(db_session, person.openid) is saved
    assert subscriptions.of_openid(db_session, "o-never-seen") is None
