"""Changing a station's plan never drops a booking silently: what a change would leave
without a slot is shown first, stays active after saving, and staff then move or cancel it.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from core.booking import booking, station_admin, station_csv
from core.booking.booking import BookingError
from core.booking.models import ACTIVE, CANCELLED, CHECKED_IN, NO_SHOW, BookingSlot, StationHours
from core.booking.station_csv import StationImportError
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at


def _book(db_session, factories, station, when, openid=None):
    made = booking.book(db_session, factories.person(openid), station, when, 3, now=NOW)
    db_session.commit()
    return made


def _mornings_only(db_session, station) -> None:
    station.hours = [StationHours(weekday=d, opens=time(9), closes=time(11, 30)) for d in range(5)]


def _hours_text(station) -> str:
    return station_csv.format_hours(station.hours)


def test_closing_afternoons_previews_the_afternoon_bookings_and_changes_nothing(
    make_station, db_session, factories
):
    station = make_station()
    morning = _book(db_session, factories, station, at(3, 10))
    afternoon = _book(db_session, factories, station, at(3, 14))
    next_week = _book(db_session, factories, station, at(9, 15, 30))
    before = _hours_text(station)

    found = station_admin.preview(
        db_session, lambda: _mornings_only(db_session, station), NOW, [station.id]
    )

    assert [p.booking.code for p in found] == [afternoon.code, next_week.code]
    assert all(p.reason == "该时段已不在开放时间内" and not p.keep for p in found)
    db_session.commit()
    db_session.expire_all()
    assert _hours_text(station) == before == "1-5 09:00-11:30 13:30-17:00"
    assert station_admin.problems(db_session, NOW) == []
    assert morning.status == afternoon.status == ACTIVE


def test_after_saving_the_bookings_stay_active_and_are_listed_until_staff_act(
    make_station, db_session, factories, settings
):
    station = make_station()
    _book(db_session, factories, station, at(3, 10))
    afternoon = _book(db_session, factories, station, at(3, 14), "o-afternoon")
    parsed = station_csv.parse_row(
        {"code": station.code, "name": station.name, "town": station.town,
         "services": "3 7 8", "desks": "3", "hours": "1-5 09:00-11:30"}
    )  # fmt: skip
    station_admin.save_station(db_session, station, parsed, is_active=True, now=NOW)
    db_session.commit()

    listed = station_admin.problems(db_session, NOW, [station.id])
    assert [p.booking.code for p in listed] == [afternoon.code]
    assert afternoon.status == ACTIVE
    assert station_admin.problem_counts(db_session, NOW) == {station.id: 1}

    result = station_admin.cancel_by_staff(db_session, settings, [afternoon], "下午停止接待", NOW)
    [(_, outcome)] = result.cancelled
    assert station_admin.notice_text(outcome) == "已通知"
    assert afternoon.status == CANCELLED
    assert afternoon.cancelled_by == "staff"
    notice = db_session.scalar(select(OutboxMessage).where(OutboxMessage.openid == "o-afternoon"))
    assert notice is not None
    assert "下午停止接待" in notice.content
    assert station_admin.problems(db_session, NOW) == []


def test_a_closing_exception_lists_that_days_bookings_only(make_station, db_session, factories):
    station = make_station()
    that_day = [_book(db_session, factories, station, at(4, h)) for h in (9, 14)]
    _book(db_session, factories, station, at(3, 10))

    found = station_admin.preview(
        db_session,
        lambda: station_admin.set_exception(
            db_session,
            station,
            date(2026, 12, 4),
            closed=True,
            periods=[],
            note="站点装修",
            now=NOW,
        ),
        NOW,
        [station.id],
    )

    assert [p.booking.code for p in found] == [b.code for b in that_day]
    assert {p.reason for p in found} == {"当天不开放（站点装修）"}
    db_session.commit()
    assert station.exceptions == []


def test_special_hours_keep_the_bookings_that_still_fit(make_station, db_session, factories):
    station = make_station()
    early = _book(db_session, factories, station, at(4, 9, 30))
    late = _book(db_session, factories, station, at(4, 15))
    periods = station_admin.parse_periods("09:00-12:00")
    station_admin.set_exception(
        db_session, station, date(2026, 12, 4), closed=False, periods=periods, note="", now=NOW
    )
    db_session.commit()
    assert [p.booking for p in station_admin.problems(db_session, NOW)] == [late]
    assert early.status == ACTIVE


def test_fewer_desks_flag_full_slots_and_never_shrink_below_bookings(
    make_station, db_session, factories
):
    station = make_station(desks=3)
    crowded = [_book(db_session, factories, station, at(3, 10)) for _ in range(2)]
    _book(db_session, factories, station, at(3, 10, 30))
    station.desks = 1
    db_session.flush()
    station_admin.sync_capacity(db_session, station, NOW)
    db_session.commit()

    found = station_admin.problems(db_session, NOW)
    assert [p.booking for p in found] == crowded
    assert all(p.keep for p in found)
    assert "超过窗口数 1" in found[0].reason
    capacity = {
        s.starts_at: s.capacity
        for s in db_session.scalars(select(BookingSlot).where(BookingSlot.station_id == station.id))
    }
    assert capacity[at(3, 10)] == 2
    assert capacity[at(3, 10, 30)] == 1
    assert capacity[at(3, 11)] == 1


def test_past_and_finished_bookings_are_never_problems(make_station, db_session, factories):
    station = make_station()
    _book(db_session, factories, station, at(3, 14))
    _mornings_only(db_session, station)
    db_session.commit()
    later = at(3, 15)  # the afternoon slot has started
    assert station_admin.problems(db_session, later) == []


def test_staff_move_rebooks_and_tells_the_person(make_station, db_session, factories, settings):
    station = make_station()
    old = _book(db_session, factories, station, at(3, 14), "o-move")
    new, outcome = station_admin.move_by_staff(db_session, settings, old, at(3, 10), NOW)
    db_session.commit()
    assert new.status == ACTIVE
    assert new.slot.starts_at == at(3, 10)
    assert old.status == CANCELLED
    assert old.cancelled_by == "staff"
    assert new.code in old.cancel_reason
    assert outcome == "outbox"
    notice = db_session.scalar(select(OutboxMessage).where(OutboxMessage.openid == "o-move"))
    assert "预约已改期" in notice.content
    assert station_admin.MOVED_REASON in notice.content


def test_cancel_needs_a_reason_and_an_unsubscribed_person_is_reported(
    make_station, db_session, factories, settings
):
    station = make_station()
    item = _book(db_session, factories, station, at(3, 14))
    with pytest.raises(BookingError):
        station_admin.cancel_by_staff(db_session, settings, [item], "  ", NOW)
    assert item.status == ACTIVE
    item.person.subscribed = False
    result = station_admin.cancel_by_staff(db_session, settings, [item], "临时停电", NOW)
    [(_, outcome)] = result.cancelled
    assert station_admin.notice_text(outcome) == "未能通知：该用户已取消关注公众号"
    assert station_admin.notice_text("refused: 已超出微信48小时客服消息时限") == (
        "未能通知：已超出微信48小时客服消息时限"
    )
    again = station_admin.cancel_by_staff(db_session, settings, [item], "临时停电", NOW)
    assert again.cancelled == []
    assert [why for _, why in again.missed] == ["该预约已取消或已办理，无法再取消。"]


def test_check_in_only_on_the_day_and_no_show_only_after_the_start(
    make_station, db_session, factories
):
    station = make_station()
    today = _book(db_session, factories, station, at(2, 10))
    tomorrow = _book(db_session, factories, station, at(3, 10))
    with pytest.raises(BookingError, match="当天"):
        station_admin.check_in(db_session, tomorrow, NOW)
    with pytest.raises(BookingError, match="尚未开始"):
        station_admin.mark_no_show(db_session, today, NOW)
    station_admin.check_in(db_session, today, NOW)
    station_admin.mark_no_show(db_session, tomorrow, at(3, 10, 40))
    assert (today.status, tomorrow.status) == (CHECKED_IN, NO_SHOW)


def test_import_lists_bookings_a_new_file_leaves_without_a_slot(
    make_station, db_session, factories
):
    station = make_station(code="T-IMP")
    afternoon = _book(db_session, factories, station, at(3, 14))
    text = (
        "code,name,town,services,desks,hours\n"
        f"T-IMP,{station.name},安亭镇,3 7 8,1,1-5 09:00-11:30\n"
        "T-NEW,新站,南翔镇,3,1,1-5 09:00-17:00\n"
    )
    assert [p.booking for p in station_admin.preview_import(db_session, text, NOW)] == [afternoon]
    db_session.commit()
    assert _hours_text(station) == "1-5 09:00-11:30 13:30-17:00"

    result = station_admin.import_stations(db_session, text, NOW)
    db_session.commit()
    assert (result.added, result.updated) == (1, 1)
    assert [p.booking for p in result.problems] == [afternoon]
    assert afternoon.slot.capacity == 1
    assert afternoon.status == ACTIVE


def test_csv_bytes_in_utf8_bom_or_gbk_are_read():
    text = "code,name\nA,嘉定站\n"
    assert station_admin.decode_csv(("\ufeff" + text).encode()) == text
    assert station_admin.decode_csv(text.encode("gbk")) == text
    with pytest.raises(StationImportError):
        station_admin.decode_csv(b"\xff\xfe\x00\xd8\x00")


def test_week_grid_counts_bookings_per_slot(make_station, db_session, factories):
    station = make_station()
    for _ in range(2):
        _book(db_session, factories, station, at(3, 10))
    cancelled = _book(db_session, factories, station, at(4, 14))
    booking.cancel(db_session, cancelled, by="person", now=NOW)
    grid = station_admin.week_grid(db_session, station, date(2026, 11, 30))
    assert grid.counts[(date(2026, 12, 3), time(10))] == 2
    assert grid.day_total(date(2026, 12, 4)) == 0
    assert (date(2026, 12, 5), time(10)) not in grid.open_cells  # Saturday
    assert grid.times[0] == time(9)
    assert grid.times[-1] == time(16, 30)
