"""Booking in chat: the numbered steps, a full slot, leaving, and `我的预约`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import simulate
from bot.session import Conversation
from core.booking import booking
from core.booking.models import Booking, BookingSlot
from core.timeutil import LOCAL_TZ
from tests.clock import frozen_clock
from tests.wechat import post, reply_fields, say

# Wednesday 2026-12-02 08:00 in Shanghai: a plain working day, no holiday near it.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)
DEAD_REDIS = "redis://127.0.0.1:1/0"


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield


@pytest.fixture
def station(factories):
    """One station in 安亭镇, two desks, services 政策咨询 / 岗位查询与推荐 / 职业指导."""
    return factories.station("B-1", name="安亭服务站（示例）", desks=2, address="安亭示例路 1 号")


def fresh(session, row: Booking) -> Booking:
    """The row as stored now (requests close the thread's session, detaching earlier rows)."""
    query = select(Booking).where(Booking.id == row.id).execution_options(populate_existing=True)
    return session.scalars(query).one()


def flow_of(openid: str) -> Conversation:
    return Conversation(openid, 60)


def to_confirm(client, settings, openid: str) -> str:
    """预约 → town 1 → station 1 → service 1 (政策咨询) → 12月3日 → 09:00: the confirm step."""
    towns = say(client, settings, openid, "预约")
    assert "1. 安亭镇（1个）" in towns
    assert "“位置”" in towns
    stations = say(client, settings, openid, "1")
    assert "1. 安亭服务站（示例）" in stations
    services = say(client, settings, openid, "1")
    assert "1. 政策咨询" in services
    assert "3. 职业指导" in services
    days = say(client, settings, openid, "1")
    assert "1. 12月2日 周三（今天）" in days
    assert "2. 12月3日 周四（明天）" in days
    assert "12月5日" not in days  # a Saturday
    times = say(client, settings, openid, "2")
    assert times.startswith("12月3日 周四，请选择时间")
    assert "1. 09:00 (剩2)" in times
    confirm = say(client, settings, openid, "1")
    assert "时间：12月3日 周四 09:00-09:30" in confirm
    assert "事项：政策咨询" in confirm
    assert "回复 1 确认，2 重选时间" in confirm
    return confirm


def test_full_booking_conversation(client, settings, db_session, station):
    to_confirm(client, settings, "o-bk-1")
    done = say(client, settings, "o-bk-1", "确认")
    assert len(done.encode()) < 2048
    made = db_session.scalar(select(Booking))
    assert made is not None
    assert made.station_id == station.id
    assert made.service == 3
    assert made.slot.starts_at == at(3, 9).astimezone(UTC)
    assert made.person.openid == "o-bk-1"
    assert "预约成功" in done
    assert f"预约码：{made.code}" in done
    assert "到站请出示预约码" in done
    assert "安亭服务站（示例）" in done
    assert "12月3日 周四 09:00-09:30" in done
    assert re.search(r"/m/ics/\S+\.ics", done)
    assert "回复“我的预约”可取消或改约" in done
    assert flow_of("o-bk-1").flow is None
    assert made.slot.booked == 1


def test_known_location_offers_the_nearest_stations(client, settings, factories, station):
    factories.station("B-FAR", name="远处服务站（示例）", latitude=31.6, longitude=121.163)
    factories.person("o-bk-2", latitude=31.2946, longitude=121.163)
    text = say(client, settings, "o-bk-2", "预约")
    assert "离您最近的服务站" in text
    assert "1. 安亭服务站（示例） 约 100 米" in text
    assert "2. 远处服务站（示例） 约 34.0 公里" in text
    assert "回复 0 按街镇选择" in text
    assert "安亭镇（2个）" in say(client, settings, "o-bk-2", "0")


def test_full_slot_offers_alternatives_and_one_can_be_booked(
    client, settings, db_session, factories, station
):
    to_confirm(client, settings, "o-bk-3")
    # Meanwhile two other people take both desks at 09:00.
    for openid in ("o-other-1", "o-other-2"):
        booking.book(db_session, factories.person(openid), station, at(3, 9), 3, NOW)
    db_session.commit()
    full = say(client, settings, "o-bk-3", "1")
    assert "该时段已约满" in full
    assert "1. 12月3日 周四 09:30 (剩2)" in full
    assert "2. 12月3日 周四 10:00 (剩2)" in full
    assert db_session.scalar(select(Booking).where(Booking.person.has(openid="o-bk-3"))) is None
    done = say(client, settings, "o-bk-3", "1")
    assert "预约成功" in done
    assert "12月3日 周四 09:30-10:00" in done
    mine = db_session.scalar(select(Booking).where(Booking.person.has(openid="o-bk-3")))
    assert mine.slot.starts_at == at(3, 9, 30).astimezone(UTC)
    assert db_session.get(BookingSlot, mine.slot_id).booked == 1


def test_cancel_mid_flow_clears_the_state(client, settings, db_session, station):
    say(client, settings, "o-bk-4", "预约")
    say(client, settings, "o-bk-4", "1")
    assert flow_of("o-bk-4").step == "station"
    assert "已退出" in say(client, settings, "o-bk-4", "取消")
    assert flow_of("o-bk-4").flow is None
    assert db_session.scalar(select(Booking)) is None


def test_wrong_answer_re_asks_and_keeps_the_choices(client, settings, station):
    say(client, settings, "o-bk-5", "预约")
    say(client, settings, "o-bk-5", "1")
    say(client, settings, "o-bk-5", "1")
    for wrong in ("9", "你好", "0"):
        again = say(client, settings, "o-bk-5", wrong)
        assert again.startswith("请回复 1 到 3 之间的数字"), wrong
        assert "1. 政策咨询" in again
    state = flow_of("o-bk-5")
    assert state.step == "service"
    assert state.data["station"] == station.id
    assert "请选择日期" in say(client, settings, "o-bk-5", "3")
    assert flow_of("o-bk-5").data["service"] == 8


def test_another_command_mid_flow_leaves_it(client, settings, station):
    say(client, settings, "o-bk-6", "预约")
    assert "没有待办理的预约" in say(client, settings, "o-bk-6", "我的预约")
    assert flow_of("o-bk-6").flow is None


def test_limit_is_explained_with_a_way_on(client, settings, db_session, factories, station):
    person = factories.person("o-bk-7")
    booking.book(db_session, person, station, at(4, 9), 3, NOW)
    booking.book(db_session, person, station, at(4, 10), 3, NOW)
    db_session.commit()
    to_confirm(client, settings, "o-bk-7")
    text = say(client, settings, "o-bk-7", "1")
    assert "已有 2 个有效预约" in text
    assert "我的预约" in text
    assert flow_of("o-bk-7").flow is None


def test_redis_down_says_the_flow_cannot_continue(make_app, settings, station):
    client = make_app(redis_url=DEAD_REDIS).test_client()
    text = say(client, settings, "o-bk-8", "预约")
    assert "记不住" in text
    assert "/m/book?t=" in text


def test_menu_book_key_starts_the_flow(client, settings, station):
    response = post(client, settings, simulate.event_xml("o-bk-9", "CLICK", "BOOK"))
    assert "安亭镇（1个）" in reply_fields(response)["Content"]
    assert flow_of("o-bk-9").flow == "booking"


# -- 我的预约 ---------------------------------------------------------------------------------


@pytest.fixture
def two_people(db_session, factories, station):
    """o-me holds two bookings, o-you one; returns (mine, yours)."""
    me, you = factories.person("o-me"), factories.person("o-you")
    mine = [
        booking.book(db_session, me, station, at(4, 10), 7, NOW),
        booking.book(db_session, me, station, at(3, 9), 3, NOW),
    ]
    yours = booking.book(db_session, you, station, at(3, 9), 8, NOW)
    db_session.commit()
    return mine, yours


def test_my_bookings_lists_only_mine_in_time_order(client, settings, two_people):
    (later, sooner), yours = two_people
    text = say(client, settings, "o-me", "我的预约")
    assert "您有 2 个预约" in text
    assert text.index(sooner.code) < text.index(later.code)
    assert yours.code not in text
    assert "1. 12月3日 周四 09:00-09:30" in text
    assert "政策咨询｜预约码" in text
    assert "回复“取消1”取消第1个，“改约1”改约第1个" in text
    assert f"“取消{sooner.code}”" in text  # the reference that never shifts
    assert "/m/bookings?t=" in text
    menu = post(client, settings, simulate.event_xml("o-me", "CLICK", "MY_BOOKINGS"))
    assert sooner.code in reply_fields(menu)["Content"]


def test_cancel_one_frees_the_desk(client, settings, db_session, two_people):
    (later, sooner), yours = two_people
    say(client, settings, "o-me", "我的预约")
    asked = say(client, settings, "o-me", "取消1")
    assert asked.startswith("确认取消这个预约吗？")
    assert "12月3日 周四 09:00-09:30" in asked
    assert sooner.code in asked
    assert asked.endswith("回复 是 / 否")
    assert fresh(db_session, sooner).status == "active"  # nothing happens before 是
    text = say(client, settings, "o-me", "是")
    assert "已取消" in text
    assert sooner.code in text
    sooner, later, yours = (fresh(db_session, b) for b in (sooner, later, yours))
    assert sooner.status == "cancelled"
    assert sooner.cancelled_by == "person"
    assert sooner.slot.booked == 1  # only the other person's desk is still taken
    assert later.status == "active"
    assert yours.status == "active"
    again = say(client, settings, "o-me", "取消1")
    assert "已取消或已办理" in again


def test_no_keeps_the_booking_and_so_does_leaving(client, settings, db_session, two_people):
    (later, sooner), _ = two_people
    say(client, settings, "o-me", "我的预约")
    say(client, settings, "o-me", "取消1")
    assert "请回复“是”确认取消" in say(client, settings, "o-me", "随便说点什么")
    assert "预约保留" in say(client, settings, "o-me", "否")
    assert fresh(db_session, sooner).status == "active"
    say(client, settings, "o-me", "取消1")
    assert "预约保留，没有取消" in say(client, settings, "o-me", "取消")
    assert fresh(db_session, sooner).status == "active"
    # 是 with no question open is not a cancellation of anything.
    say(client, settings, "o-me", "是")
    assert fresh(db_session, sooner).status == "active"
    assert fresh(db_session, later).status == "active"


def test_numbers_do_not_shift_after_a_cancellation(client, settings, db_session, two_people):
    """After cancelling the first, "取消2" is still the second booking the person saw."""
    (later, sooner), _ = two_people
    say(client, settings, "o-me", "我的预约")
    say(client, settings, "o-me", "取消1")
    done = say(client, settings, "o-me", "是")
    assert "其他预约的编号不变" in done
    second = say(client, settings, "o-me", "取消2")
    assert later.code in second
    assert sooner.code not in second
    assert "已取消" in say(client, settings, "o-me", "确认")
    assert fresh(db_session, later).status == "cancelled"


def test_a_booking_code_is_a_reference_too(client, settings, db_session, two_people):
    (later, sooner), yours = two_people
    asked = say(client, settings, "o-me", f"取消{later.code.lower()}")
    assert later.code in asked
    assert "确认取消" in asked
    assert "已取消" in say(client, settings, "o-me", "是")
    assert fresh(db_session, later).status == "cancelled"
    # Someone else's code is simply not found.
    assert "没有找到预约码" in say(client, settings, "o-me", f"取消{yours.code}")
    assert fresh(db_session, yours).status == "active"
    assert fresh(db_session, sooner).status == "active"


def test_a_confirmation_for_a_booking_cancelled_meanwhile_cancels_nothing(
    client, settings, db_session, two_people
):
    (_later, sooner), _ = two_people
    say(client, settings, "o-me", "我的预约")
    say(client, settings, "o-me", "取消1")
    booking.cancel(db_session, fresh(db_session, sooner), by="staff", now=NOW)  # on the console
    db_session.commit()
    assert "已取消或已办理" in say(client, settings, "o-me", "是")


def test_reschedule_moves_the_booking(client, settings, db_session, two_people):
    (_later, sooner), _ = two_people
    say(client, settings, "o-me", "我的预约")
    days = say(client, settings, "o-me", "改约1")
    assert days.startswith("改约：12月3日 周四 09:00")
    assert "请选择新的日期" in days
    times = say(client, settings, "o-me", "2")  # 12月3日
    # 09:00 is full (both desks taken), so it is not offered.
    assert "12月3日 周四，请选择时间" in times
    assert "1. 09:30 (剩2)" in times
    assert "09:00" not in times
    confirm = say(client, settings, "o-me", "3")  # 10:30
    assert "请确认改约到" in confirm
    assert "12月3日 周四 10:30-11:00" in confirm
    done = say(client, settings, "o-me", "1")
    assert "改约成功" in done
    sooner = fresh(db_session, sooner)
    moved = db_session.scalar(select(Booking).where(Booking.rescheduled_from_id == sooner.id))
    assert moved is not None
    assert moved.code in done
    assert moved.service == 3
    assert moved.slot.starts_at == at(3, 10, 30).astimezone(UTC)
    assert sooner.status == "cancelled"
    assert sooner.slot.booked == 1


def test_nobody_sees_or_cancels_another_persons_booking(client, settings, db_session, two_people):
    _, yours = two_people
    text = say(client, settings, "o-stranger", "我的预约")
    assert "没有待办理的预约" in text
    assert yours.code not in text
    assert "没有找到第 1 个预约" in say(client, settings, "o-stranger", "取消1")
    assert "没有找到第 1 个预约" in say(client, settings, "o-stranger", "改约1")
    assert fresh(db_session, yours).status == "active"


def test_redis_down_cancels_nothing_and_points_to_the_page(
    make_app, settings, db_session, two_people
):
    """Without Redis the 是 could not be tied to the question: nothing is cancelled in chat,
    the page (which asks there) is offered instead."""
    (_later, sooner), _ = two_people
    client = make_app(redis_url=DEAD_REDIS).test_client()
    text = say(client, settings, "o-me", "取消1")
    assert "记不住" in text
    assert "/m/bookings?t=" in text
    say(client, settings, "o-me", "是")
    assert fresh(db_session, sooner).status == "active"
