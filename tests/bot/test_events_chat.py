"""`招聘会` in chat: numbered events, signing up by number or `报名N`, `我的报名`, `取消报名N`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import simulate
from core.jobs.models import CANCELLED, SIGNED_UP, Event, EventSignup
from core.timeutil import utcnow
from tests.wechat import post, reply_fields, say


@pytest.fixture
def two_events(factories):
    now = utcnow()
    fair = factories.event(
        title="示例退役军人专场招聘会", starts_at=now + timedelta(days=3), capacity=2
    )
    talk = factories.event(
        kind="policy_briefing", title="示例政策宣讲", starts_at=now + timedelta(days=6), capacity=1
    )
    return fair, talk


def _fresh(db_session, event: Event) -> Event:
    query = select(Event).where(Event.id == event.id).execution_options(populate_existing=True)
    return db_session.scalars(query).one()


def test_list_then_number_signs_up(client, settings, db_session, two_events):
    fair, _ = two_events
    listing = say(client, settings, "o-ev", "招聘会")
    assert "1. 【招聘会】示例退役军人专场招聘会" in listing
    assert "2. 【政策宣讲】示例政策宣讲" in listing
    assert "还剩 2 个名额" in listing
    assert "时间：" in listing
    assert "地点：嘉定区测试路1号" in listing
    done = say(client, settings, "o-ev", "1")
    assert "报名成功" in done
    assert "示例退役军人专场招聘会" in done
    assert _fresh(db_session, fair).signed_up == 1
    again = say(client, settings, "o-ev", "招聘会")
    assert "您已报名" in again


def test_sign_up_by_word_and_twice_is_refused(client, settings, db_session, two_events):
    fair, _ = two_events
    say(client, settings, "o-ev2", "活动")
    assert "报名成功" in say(client, settings, "o-ev2", "报名1")
    assert "已经报名" in say(client, settings, "o-ev2", "报名1")
    assert _fresh(db_session, fair).signed_up == 1


def test_wrong_number_and_full_or_cancelled_event(
    client, settings, db_session, factories, two_events
):
    fair, _talk = two_events
    say(client, settings, "o-ev3", "招聘会")
    assert "请回复 1 到 2 之间的数字" in say(client, settings, "o-ev3", "7")
    factories.person("o-first")
    say(client, settings, "o-first", "招聘会")
    say(client, settings, "o-first", "报名2")
    assert "名额已满" in say(client, settings, "o-ev3", "报名2")
    fair_row = _fresh(db_session, fair)
    fair_row.status = CANCELLED
    db_session.commit()
    assert "已取消" in say(client, settings, "o-ev3", "报名1")
    assert "没有第 9 个活动" in say(client, settings, "o-ev3", "报名9")


def test_other_text_after_the_list_is_answered_normally(client, settings, two_events):
    say(client, settings, "o-ev4", "招聘会")
    assert "可以帮您" in say(client, settings, "o-ev4", "帮助")
    assert "招聘会" in say(client, settings, "o-ev4", "帮助")


def test_my_signups_and_withdraw_frees_the_place(client, settings, db_session, two_events):
    fair, _ = two_events
    say(client, settings, "o-ev5", "招聘会")
    say(client, settings, "o-ev5", "报名1")
    mine = say(client, settings, "o-ev5", "我的报名")
    assert "您报名了 1 个活动" in mine
    assert "示例退役军人专场招聘会" in mine
    assert "已取消报名" in say(client, settings, "o-ev5", "取消报名1")
    assert _fresh(db_session, fair).signed_up == 0
    assert "没有报名" in say(client, settings, "o-ev5", "我的报名")
    assert "没有找到第 1 个报名" in say(client, settings, "o-ev5", "取消报名1")


def test_nobody_withdraws_another_persons_signup(client, settings, db_session, two_events):
    fair, _ = two_events
    say(client, settings, "o-owner", "招聘会")
    say(client, settings, "o-owner", "报名1")
    assert "没有找到第 1 个报名" in say(client, settings, "o-other", "取消报名1")
    rows = db_session.scalars(select(EventSignup).where(EventSignup.status == SIGNED_UP)).all()
    assert len(rows) == 1
    assert _fresh(db_session, fair).signed_up == 1


def test_no_events_and_menu_key(client, settings):
    response = post(client, settings, simulate.event_xml("o-ev6", "CLICK", "EVENTS"))
    assert "近期暂时没有招聘会或活动" in reply_fields(response)["Content"]


def test_many_long_events_fit_and_numbers_match_what_was_shown(client, settings, factories):
    now = utcnow()
    for i in range(5):
        factories.event(
            title=f"活动{i}" + "很长的活动名称" * 13,
            address="嘉定区很长很长的示例地址" * 15,
            starts_at=now + timedelta(days=i + 1),
        )
    listing = say(client, settings, "o-long", "招聘会")
    assert len(listing.encode("utf-8")) <= 2000
    assert "回复“报名1”" in listing
    shown = listing.count("   时间：")
    assert 1 <= shown < 5
    assert f"没有第 {shown + 1} 个活动" in say(client, settings, "o-long", f"报名{shown + 1}")


def test_redis_down_still_lists_and_signs_up_by_word(make_app, settings, db_session, two_events):
    fair, _ = two_events
    client = make_app(redis_url="redis://127.0.0.1:1/0").test_client()
    assert "1. 【招聘会】示例退役军人专场招聘会" in say(client, settings, "o-down", "招聘会")
    assert "报名成功" in say(client, settings, "o-down", "报名1")
    assert _fresh(db_session, fair).signed_up == 1


def test_a_location_after_the_list_is_handled_as_a_location(client, settings, two_events):
    say(client, settings, "o-loc", "招聘会")
    response = post(client, settings, simulate.location_xml("o-loc", 31.29, 121.16, "安亭"))
    assert "已收到您的位置" in reply_fields(response)["Content"]
