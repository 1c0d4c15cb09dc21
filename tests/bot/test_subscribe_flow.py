"""`订阅` in chat: the numbered steps, several at once, garbage re-asks, `退订` stops all."""

from __future__ import annotations

from sqlalchemy import select

from bot import simulate
from bot.session import Conversation
from core.jobs.models import Subscription
from core.people.models import Person
from tests.wechat import post, reply_fields, say

DEAD_REDIS = "redis://127.0.0.1:1/0"


def _subscription(db_session, openid: str) -> Subscription | None:
    db_session.expire_all()
    return db_session.scalar(
        select(Subscription)
        .join(Person, Person.id == Subscription.person_id)
        .where(Person.openid == openid)
    )


def test_full_flow_saves_jobs_towns_industries_digest_and_events(client, settings, db_session):
    first = say(client, settings, "o-sub", "订阅")
    assert "您目前没有订阅任何消息" in first
    assert "1. 岗位信息" in first
    towns = say(client, settings, "o-sub", "1 2")
    assert "7. 安亭镇" in towns
    assert "0 表示不限" in towns
    industries = say(client, settings, "o-sub", "7，12")
    assert "1. 制造业" in industries
    assert "每天推送" in say(client, settings, "o-sub", "1 3")
    confirm = say(client, settings, "o-sub", "1")
    assert "安亭镇、江桥镇" in confirm
    assert "制造业、物流运输" in confirm
    assert "每日新岗位推送" in confirm
    assert "招聘会和活动" in confirm
    assert _subscription(db_session, "o-sub") is None  # nothing saved before confirming
    done = say(client, settings, "o-sub", "确认")
    assert "订阅已保存" in done
    row = _subscription(db_session, "o-sub")
    assert row.jobs
    assert row.events
    assert not row.policy_news
    assert row.digest
    assert row.towns == ["安亭镇", "江桥镇"]
    assert row.industries == ["制造业", "物流运输"]
    assert Conversation("o-sub", 60).flow is None


def test_zero_means_any_and_events_only_skips_job_questions(client, settings, db_session):
    say(client, settings, "o-any", "订阅")
    say(client, settings, "o-any", "1")
    say(client, settings, "o-any", "0")
    say(client, settings, "o-any", "0")
    say(client, settings, "o-any", "2")
    say(client, settings, "o-any", "1")
    row = _subscription(db_session, "o-any")
    assert row.jobs
    assert row.towns == []
    assert row.industries == []
    assert not row.digest
    say(client, settings, "o-ev", "订阅")
    confirm = say(client, settings, "o-ev", "2 3")
    assert "请确认" in confirm
    assert "招聘会和活动" in confirm
    assert "政策资讯" in confirm
    say(client, settings, "o-ev", "1")
    row = _subscription(db_session, "o-ev")
    assert row.events
    assert row.policy_news
    assert not row.jobs


def test_garbage_re_asks_the_same_step_and_keeps_choices(client, settings, db_session):
    say(client, settings, "o-bad", "订阅")
    assert "请回复 1 到 3 之间的数字" in say(client, settings, "o-bad", "5")
    assert "请回复 1 到 3 之间的数字" in say(client, settings, "o-bad", "随便")
    say(client, settings, "o-bad", "1")
    assert "请回复 0 到 12 之间的数字" in say(client, settings, "o-bad", "13")
    assert "请回复 0 到 12 之间的数字" in say(client, settings, "o-bad", "1 99")
    say(client, settings, "o-bad", "7")
    say(client, settings, "o-bad", "0")
    assert "请回复 1（要）或 2（不要）" in say(client, settings, "o-bad", "也许")
    say(client, settings, "o-bad", "2")
    assert "请回复 1 确认" in say(client, settings, "o-bad", "嗯？")
    say(client, settings, "o-bad", "1")
    assert _subscription(db_session, "o-bad").towns == ["安亭镇"]


def test_cancel_leaves_without_saving(client, settings, db_session):
    say(client, settings, "o-quit", "订阅")
    say(client, settings, "o-quit", "1")
    assert "已退出" in say(client, settings, "o-quit", "取消")
    assert _subscription(db_session, "o-quit") is None


def test_unsubscribe_stops_everything_and_keeps_the_row(client, settings, db_session):
    say(client, settings, "o-stop", "订阅")
    say(client, settings, "o-stop", "2 3")
    say(client, settings, "o-stop", "1")
    assert "已为您退订全部消息" in say(client, settings, "o-stop", "退订")
    row = _subscription(db_session, "o-stop")
    assert row is not None
    assert not row.anything
    assert "没有订阅任何消息" in say(client, settings, "o-stop", "退订")
    assert "没有订阅任何消息" in say(client, settings, "o-stop", "我的订阅")


def test_menu_key_and_redis_down(client, make_app, settings):
    response = post(client, settings, simulate.event_xml("o-menu", "CLICK", "SUBSCRIBE"))
    assert "1. 岗位信息" in reply_fields(response)["Content"]
    down = make_app(redis_url=DEAD_REDIS).test_client()
    reply = say(down, settings, "o-down", "订阅")
    assert "记不住聊天进度" in reply
    assert "/m/subscriptions" in reply


def test_every_step_takes_words_too(client, settings, db_session):
    """ "岗位和招聘会", "安亭 江桥", "保安", "要": the numbered steps read names as well."""
    from core.jobs.models import Subscription

    say(client, settings, "o-words", "订阅")
    say(client, settings, "o-words", "岗位和招聘会")
    say(client, settings, "o-words", "安亭 江桥")
    say(client, settings, "o-words", "保安")
    assert "请确认您的订阅" in say(client, settings, "o-words", "要")
    assert "订阅已保存" in say(client, settings, "o-words", "确认")
    saved = db_session.scalar(select(Subscription))
    assert (saved.jobs, saved.events) == (True, True)
    assert sorted(saved.towns) == ["安亭镇", "江桥镇"]
    assert saved.industries == ["物业保安"]
