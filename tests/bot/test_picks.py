"""A bare number or "第二个" outside a flow picks from the list the person saw last — and
with no list, nothing is guessed."""

from __future__ import annotations

from sqlalchemy import func, select

from core.booking import booking
from core.jobs.models import EventSignup
from tests.booking.conftest import NOW, at
from tests.clock import frozen_clock
from tests.wechat import say

NOTHING = "现在没有等您选择的列表"


def test_a_number_out_of_the_blue_is_not_looked_up(client, settings, faq_loaded):
    for text in ("1", "3", "第二个", "２"):
        reply = say(client, settings, "o-blue", text)
        assert NOTHING in reply
        assert "您是不是想问" not in reply


def test_second_one_out_of_the_blue_signs_up_for_nothing(client, settings, factories, db_session):
    factories.event(title="示例招聘会一")
    factories.event(title="示例招聘会二")
    assert NOTHING in say(client, settings, "o-ordinal", "第二个")
    assert db_session.scalar(select(func.count()).select_from(EventSignup)) == 0


def test_a_number_after_the_jobs_list_opens_that_posting(client, settings, factories):
    postings = [
        factories.job_posting(title=f"示例岗位{i}", requirements=f"要求{i}") for i in range(8)
    ]
    newest_first = postings[::-1]
    say(client, settings, "o-jobs", "找工作")
    second = say(client, settings, "o-jobs", "第二个")
    assert newest_first[1].title in second
    assert f"要求：{newest_first[1].requirements}" in second
    assert f"/m/jobs/{newest_first[1].id}" in second
    say(client, settings, "o-jobs", "更多")
    seventh = say(client, settings, "o-jobs", "7")
    assert newest_first[6].title in seventh
    assert "没有第 9 个岗位" in say(client, settings, "o-jobs", "9")


def test_a_number_after_ones_bookings_says_what_can_be_done(
    client, settings, factories, db_session, monkeypatch
):
    with frozen_clock(monkeypatch, NOW):
        person = factories.person("o-mine")
        booking.book(db_session, person, factories.station(), at(3, 9), 3, now=NOW)
        db_session.commit()
        say(client, settings, "o-mine", "我的预约")
        reply = say(client, settings, "o-mine", "1")
    assert "12月3日 周四 09:00-09:30" in reply
    assert "回复“取消1”取消这个预约" in reply


def test_the_faq_choices_are_still_picked_by_number(client, settings, faq_loaded):
    answer = say(client, settings, "o-faq", "退役后失业能领失业金吗")
    assert "您可能还想问" in answer
    picked = say(client, settings, "o-faq", "1")
    assert NOTHING not in picked
    assert "来源：" in picked


def test_inside_a_flow_an_ordinal_answers_the_step(client, settings, factories, monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        factories.station(name="安亭镇就业服务站")
        first = say(client, settings, "o-flow", "预约")
        assert "回复数字" in first
        step = say(client, settings, "o-flow", "第一个")
    assert NOTHING not in step
