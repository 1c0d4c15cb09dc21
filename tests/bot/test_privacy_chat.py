"""Privacy in the chat, through the real `/wechat` path: `隐私`, `我的信息`, and
`删除我的信息`, which asks first and then removes the person's data everywhere, keeping
only anonymous counts (the booking stays counted, unlinked; the desk is freed)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot import simulate
from bot.session import Conversation
from core.booking import booking
from core.booking.models import ACTIVE, CANCELLED, Booking, BookingSlot, Station
from core.broadcast.models import MessageConsent
from core.cache import cache
from core.chatlog.models import MessageLog
from core.faq.models import FaqQuery
from core.jobs import events
from core.jobs.models import Event, EventSignup, Subscription
from core.people.models import HandoverRequest, Person
from core.timeutil import LOCAL_TZ
from tests.clock import frozen_clock
from tests.wechat import post, say

# Monday 2026-12-07 08:00 in Shanghai.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL_TZ)
ME = "o-privacy-me"
OTHER = "o-privacy-someone-else"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield


def person(db_session, openid: str) -> Person | None:
    db_session.expire_all()
    return db_session.scalar(select(Person).where(Person.openid == openid))


def count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_the_notice_quotes_the_configured_retention(make_app, settings):
    client = make_app(retention_days=90).test_client()
    reply = say(client, settings, ME, "隐私")
    assert "隐私说明" in reply
    assert "保存 90 天" in reply
    assert "个人信息保护法" in reply
    assert "/m/privacy" in reply


def test_the_menu_button_shows_the_notice(client, settings):
    response = post(client, settings, simulate.event_xml(ME, "CLICK", "PRIVACY"))
    assert "隐私说明" in response.get_data(as_text=True)


@pytest.fixture
def my_data(client, settings, factories, db_session):
    """Everything a person can leave behind: messages, a location, a policy question,
    a booking, a sign-up, a subscription, a consent and a 人工 request."""
    station_id = factories.station("P-1", name="隐私测试服务站").id
    fair_id = factories.event(
        title="隐私测试招聘会",
        starts_at=datetime.combine(NOW.date() + timedelta(days=5), time(9, 30), tzinfo=LOCAL_TZ),
    ).id
    say(client, settings, ME, "你好")
    post(client, settings, simulate.location_xml(ME, 31.29, 121.16, "安亭镇某小区"))
    # each message's request ended the test's session: read the rows again
    station, fair = db_session.get(Station, station_id), db_session.get(Event, fair_id)
    me = person(db_session, ME)
    made = booking.book(
        db_session, me, station, datetime(2026, 12, 8, 10, 0, tzinfo=LOCAL_TZ), 3, now=NOW
    )
    events.sign_up(db_session, me, fair, NOW)
    db_session.add(Subscription(person_id=me.id, jobs=True, towns=["安亭镇"]))
    db_session.add(MessageConsent(person_id=me.id, kind="subscribe", template_id="tpl-1"))
    db_session.add(FaqQuery(person_id=me.id, text="失业金怎么领", normalized="失业金", tier="none"))
    db_session.commit()
    made_ids = made.id, made.slot_id
    say(client, settings, ME, "人工 想问问就业补贴")
    say(client, settings, OTHER, "你好")  # someone else, who must keep everything
    return (*made_ids, fair_id)


def test_my_data_lists_what_is_kept(client, settings, my_data):
    reply = say(client, settings, ME, "我的信息")
    assert "我们保存的关于您的信息" in reply
    assert "位置：安亭镇某小区" in reply
    assert "服务站预约：1 个（待办理 1 个）" in reply
    assert "活动报名：1 个" in reply
    assert "岗位信息（街镇：安亭镇" in reply
    assert "人工服务请求：1 次，其中 1 次等待回复" in reply
    assert "保存 180 天" in reply
    assert "/m/mydata?t=" in reply


def test_delete_asks_first_and_anything_but_the_confirmation_keeps_the_data(
    client, settings, db_session, my_data
):
    asked = say(client, settings, ME, "删除我的信息")
    assert "确认删除" in asked
    assert "无法恢复" in asked
    assert person(db_session, ME) is not None  # asking deletes nothing
    assert "没有删除" in say(client, settings, ME, "再想想")
    assert count(db_session, Booking, Booking.status == ACTIVE) == 1
    # "确认删除" on its own, outside the question, only asks again
    assert "回复“确认删除”" in say(client, settings, ME, "确认删除")
    assert "已退出" in say(client, settings, ME, "取消")
    assert person(db_session, ME).erased_at is None


def test_confirmed_delete_removes_everything_and_keeps_anonymous_counts(
    client, settings, db_session, my_data
):
    booking_id, slot_id, fair_id = my_data
    me_id = person(db_session, ME).id
    other_messages = count(
        db_session, MessageLog, MessageLog.person_id == person(db_session, OTHER).id
    )
    say(client, settings, ME, "找工作")  # a topic the chat keeps for follow-ups
    assert cache.get(Conversation.key_for(ME)) is not None
    say(client, settings, ME, "删除我的信息")
    done = say(client, settings, ME, "确认删除")
    assert "您的个人信息已删除" in done
    assert "取消预约 1 个、活动报名 1 个" in done

    db_session.expire_all()
    assert person(db_session, ME) is None  # the WeChat identity is gone
    row = db_session.get(Person, me_id)
    assert row.openid.startswith("erased-")
    assert row.erased_at is not None
    assert (row.latitude, row.location_label, row.subscribed) == (None, None, False)
    for model in (MessageLog, FaqQuery, HandoverRequest, Subscription, MessageConsent):
        assert count(db_session, model, model.person_id == me_id) == 0, model.__name__
    # the booking is still counted, cancelled, and its desk freed; the sign-up likewise
    kept = db_session.get(Booking, booking_id)
    assert (kept.status, kept.person_id) == (CANCELLED, me_id)
    assert db_session.get(BookingSlot, slot_id).booked == 0
    assert db_session.scalar(select(EventSignup).where(EventSignup.event_id == fair_id)).status == (
        "withdrawn"
    )
    # nobody else lost anything
    assert count(db_session, MessageLog, MessageLog.person_id == person(db_session, OTHER).id) == (
        other_messages
    )
    # the chat forgot the person too
    assert cache.get(Conversation.key_for(ME)) is None


def test_writing_again_after_deleting_starts_as_a_new_person(client, settings, db_session, my_data):
    say(client, settings, ME, "删除我的信息")
    say(client, settings, ME, "确认删除")
    assert person(db_session, ME) is None
    say(client, settings, ME, "你好")
    again = person(db_session, ME)
    assert again is not None
    assert again.erased_at is None
    reply = say(client, settings, ME, "我的信息")
    assert "服务站预约：0 个" in reply
    assert "人工服务请求：0 次" in reply


def test_everyday_words_reach_the_privacy_features(client, settings, db_session):
    assert "隐私说明" in say(client, settings, ME, "你们会把我的聊天记录给别人看吗")
    assert "我们保存的关于您的信息" in say(client, settings, ME, "你们都存了我哪些资料")
    asked = say(client, settings, ME, "我不用了，把我的资料全部删掉吧")
    assert "确认删除" in asked
    assert person(db_session, ME).erased_at is None  # words alone never delete
