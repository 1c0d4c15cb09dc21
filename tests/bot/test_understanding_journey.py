"""Someone who has never seen a command word does everything in their own words.

Issue 15's journey, through the real `/wechat` path: find jobs in their town and kind of
work, see a job fair and sign up, find the nearest station and its hours, book a visit
for "明天上午", check it and cancel it, subscribe and unsubscribe, reach a person, get a
policy question answered in one reply — and a flow that takes answers in words and a
question in the middle.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.booking.models import ACTIVE, Booking
from core.jobs.models import EventSignup, Subscription
from core.people.models import HandoverRequest, Person
from core.timeutil import LOCAL_TZ
from tests.clock import MONDAY_MORNING
from tests.wechat import say

NOW = MONDAY_MORNING
ME = "o-plain-words"

pytestmark = pytest.mark.usefixtures("monday_morning")


@pytest.fixture
def world(factories, faq_loaded):
    """Two stations, postings in two towns, a job fair and a training."""
    anting = factories.station("W-AT", name="安亭镇服务站（示例）", services=(3, 7, 8, 16))
    factories.station("W-JQ", name="江桥镇服务站（示例）", town="江桥镇", latitude=31.24)
    factories.job_posting(title="小区保安员", town="安亭镇", industry="物业保安")
    factories.job_posting(title="货车驾驶员", town="江桥镇", industry="物流运输", pay_max=12000)
    factories.job_posting(title="装配线操作工", town="安亭镇")
    saturday = datetime.combine(NOW.date() + timedelta(days=5), time(9, 30), tzinfo=LOCAL_TZ)
    fair = factories.event(title="退役军人专场招聘会（示例）", starts_at=saturday)
    factories.event(kind="training", title="叉车培训（示例）", town="江桥镇")
    return anting, fair


def chat(client, settings, text: str) -> str:
    return say(client, settings, ME, text)


def test_jobs_in_my_town_and_kind_of_work(client, settings, world):
    reply = chat(client, settings, "安亭有保安的活吗")
    assert "小区保安员" in reply
    assert "货车驾驶员" not in reply
    assert "装配线操作工" not in reply
    driving = chat(client, settings, "江桥开车的有吗 8000以上")
    assert "货车驾驶员" in driving
    assert "小区保安员" not in driving


def test_see_a_job_fair_and_sign_up(client, settings, world, db_session):
    listed = chat(client, settings, "最近有招聘会吗")
    assert "退役军人专场招聘会" in listed
    assert "叉车培训" not in listed  # a training, not a fair
    signed = chat(client, settings, "帮我报周六那个招聘会")
    assert "报名成功" in signed
    assert db_session.scalar(select(EventSignup)).status == "signed_up"
    assert "已取消报名" in chat(client, settings, "周六那个招聘会去不了了")


def test_nearest_station_and_its_hours(client, settings, world):
    assert "发送您的位置" in chat(client, settings, "附近哪有服务站")
    hours = chat(client, settings, "安亭的服务站周末开门吗")
    assert "安亭镇服务站（示例）" in hours
    assert "不开放" in hours  # Saturday and Sunday
    assert "周一至周五 09:00-11:30、13:30-17:00" in hours


def test_book_tomorrow_morning_check_and_cancel(client, settings, world, db_session):
    first = chat(client, settings, "帮我约明天上午安亭的服务站 办失业登记")
    assert "请选择时间" in first  # town, station, service and day were all said
    assert "13:30" not in first  # only the morning
    assert "请确认预约" in chat(client, settings, "10点")
    assert "预约成功" in chat(client, settings, "好的")
    made = db_session.scalar(select(Booking))
    assert made.service == 16
    assert made.slot.starts_at.astimezone(LOCAL_TZ).time() == time(10, 0)
    assert "失业登记" in chat(client, settings, "我约了哪天来着")
    assert "已取消" in chat(client, settings, "明天那个约不去了 帮我取消")
    db_session.expire_all()
    assert db_session.get(Booking, made.id).status != ACTIVE


def test_a_flow_takes_words_and_a_question_in_the_middle(client, settings, world):
    assert "请选择服务站所在的街镇" in chat(client, settings, "我想预约去服务站办事")
    stations = chat(client, settings, "安亭")
    assert "安亭镇服务站（示例）" in stations
    services = chat(client, settings, "随便哪个都行")
    assert "请选择要办理的事项" in services
    aside = chat(client, settings, "创业担保贷款利息有补贴吗")
    assert "来源：" in aside  # the question is answered ...
    assert "请选择要办理的事项" in aside  # ... and the step asked again
    assert "已退出" in chat(client, settings, "算了")


def test_subscribe_and_unsubscribe(client, settings, world, db_session):
    asked = chat(client, settings, "安亭保安的活有了跟我说一声")
    assert "每天推送一次" in asked  # town and kind were said: only the digest is asked
    chat(client, settings, "不要")
    assert "订阅已保存" in chat(client, settings, "确认")
    saved = db_session.scalar(select(Subscription))
    assert (saved.towns, saved.industries) == (["安亭镇"], ["物业保安"])
    chat(client, settings, "别再给我推了")
    db_session.expire_all()
    assert not db_session.scalar(select(Subscription)).anything


def test_reach_a_person_and_add_to_the_request(client, settings, world, db_session):
    assert "人工服务" in chat(client, settings, "我想找个真人问问")
    added = chat(client, settings, "我社保断了三个月怎么补")
    assert "已补充到您的人工服务请求" in added
    request = db_session.scalar(select(HandoverRequest))
    assert "社保断了三个月" in request.note
    assert db_session.scalar(select(Person).where(Person.openid == ME)) is not None


def test_greetings_thanks_and_a_policy_answer_in_one_reply(client, settings, world):
    assert "您好" in chat(client, settings, "您好")
    assert "不客气" in chat(client, settings, "多谢")
    answer = chat(client, settings, "退伍回来一直没找到工作 能领失业金吗")
    assert "来源：" in answer
    assert "您是不是想问" not in answer
