"""A short message read against the bot's last answer: "安亭的呢" after a job list, "马陆"
when asked for the town, "周六开吗" after a town's hours, "领多久" after a policy answer —
and a clear new request is still that request."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from core.cache import cache
from core.timeutil import LOCAL_TZ
from tests.clock import MONDAY_MORNING
from tests.wechat import say

NOW = MONDAY_MORNING

pytestmark = pytest.mark.usefixtures("monday_morning")


@pytest.fixture
def world(factories, faq_loaded):
    factories.station("F-AT", name="安亭镇服务站（示例）")
    factories.station("F-ML", name="马陆镇服务站（示例）", town="马陆镇", latitude=31.33)
    factories.job_posting(
        title="小区保安员", town="新成路街道", industry="物业保安", pay_min=4500, pay_max=5500
    )
    factories.job_posting(
        title="厂区保安员", town="安亭镇", industry="物业保安", pay_min=8000, pay_max=9000
    )
    factories.job_posting(title="货车驾驶员", town="安亭镇", industry="物流运输")
    saturday = datetime.combine(NOW.date() + timedelta(days=5), time(9, 30), tzinfo=LOCAL_TZ)
    factories.event(title="安亭专场招聘会（示例）", starts_at=saturday, town="安亭镇")
    factories.event(title="江桥专场招聘会（示例）", starts_at=saturday, town="江桥镇")


def test_a_town_after_a_job_list_narrows_it(client, settings, world):
    me = "o-fu-jobs"
    both = say(client, settings, me, "有保安的活吗")
    assert "小区保安员" in both
    assert "厂区保安员" in both
    anting = say(client, settings, me, "安亭的呢")
    assert "厂区保安员" in anting
    assert "小区保安员" not in anting  # another town
    assert "货车驾驶员" not in anting  # the kind of work still holds


def test_a_pay_or_another_kind_after_a_job_list(client, settings, world):
    me = "o-fu-pay"
    say(client, settings, me, "有保安的活吗")
    paid = say(client, settings, me, "工资能到八千吗")
    assert "厂区保安员" in paid
    assert "小区保安员" not in paid
    driving = say(client, settings, me, "有没有开车的")
    assert "驾驶员" in driving
    assert "小区保安员" not in driving


def test_a_town_named_when_asked_for_the_hours(client, settings, world):
    me = "o-fu-hours"
    asked = say(client, settings, me, "服务站几点开门")
    assert "请告诉我是哪个街镇的" in asked
    hours = say(client, settings, me, "马陆")
    assert "马陆镇服务站（示例）" in hours
    assert "开放时间" in hours
    saturday = say(client, settings, me, "周六开吗")
    assert "马陆镇服务站（示例）" in saturday
    assert "周六：不开放" in saturday
    anting = say(client, settings, me, "安亭的呢")
    assert "安亭镇服务站（示例）" in anting
    assert "周六：不开放" in anting


def test_a_town_for_the_plain_station_list_shows_its_stations(client, settings, world):
    me = "o-fu-stations"
    say(client, settings, me, "附近哪有服务站")
    reply = say(client, settings, me, "马陆")
    assert "马陆镇的就业服务站" in reply
    again = say(client, settings, me, "怎么过去")
    assert "马陆镇的就业服务站" in again


def test_a_town_after_the_job_fairs(client, settings, world):
    me = "o-fu-events"
    say(client, settings, me, "最近有招聘会吗")
    reply = say(client, settings, me, "安亭有没有")
    assert "安亭专场招聘会" in reply
    assert "江桥专场招聘会" not in reply


def test_a_clear_new_request_is_not_read_as_a_follow_up(client, settings, world):
    me = "o-fu-new"
    say(client, settings, me, "有保安的活吗")
    reply = say(client, settings, me, "我要预约去安亭服务站")
    assert "保安员" not in reply
    assert "请选择要办理的事项" in reply  # the booking, at its first open step


def test_a_policy_follow_up_that_finds_nothing_more_says_so(client, settings, world):
    me = "o-fu-policy"
    first = say(client, settings, me, "退伍了能领失业金吗")
    assert "失业保险" in first
    follow = say(client, settings, me, "领多久")
    assert "我能找到的就是刚才那条回答的内容" in follow
    assert "“人工”" in follow
    assert "抱歉，这个问题我暂时回答不了" not in follow


def test_a_new_policy_subject_is_asked_on_its_own(client, settings, world):
    me = "o-fu-subject"
    say(client, settings, me, "退伍了能领失业金吗")
    reply = say(client, settings, me, "创业贷款能贷多少")
    assert "我能找到的就是刚才那条回答" not in reply
    assert "贷款" in reply


def test_without_a_topic_a_short_message_is_read_as_it_is(client, settings, world):
    reply = say(client, settings, "o-fu-cold", "安亭的呢")
    assert "保安员" not in reply


def test_follow_ups_degrade_when_redis_is_down(client, settings, world, monkeypatch):
    me = "o-fu-down"
    say(client, settings, me, "有保安的活吗")
    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    reply = say(client, settings, me, "安亭的呢")  # nothing remembered: answered as it is
    assert reply
