"""Booking rules a veteran relies on: hours, holidays, notice, window, limits, desks."""

from __future__ import annotations

from datetime import date, time

import pytest

from core.booking import availability, booking
from core.booking.booking import BookingError
from core.booking.models import StationException
from tests.booking.conftest import NOW, at


def test_slots_follow_hours_and_breaks(make_station, db_session):
    station = make_station()
    slots = availability.slots_for_day(db_session, station, date(2026, 12, 3), NOW)
    starts = [s.local_start.strftime("%H:%M") for s in slots]
    assert starts[0] == "09:00"
    assert "11:00" in starts
    assert "11:30" not in starts
    assert "12:00" not in starts
    assert "13:30" in starts
    assert starts[-1] == "16:30"
    assert all(s.capacity == 3 and s.free == 3 for s in slots)


def test_minimum_notice_hides_slots_too_soon(make_station, db_session):
    station = make_station()
    today = [
        s.local_start.strftime("%H:%M")
        for s in availability.slots_for_day(db_session, station, date(2026, 12, 2), NOW)
    ]
    assert "09:30" not in today
    assert "10:00" in today


def test_public_holiday_closed_and_adjusted_workday_open(make_station):
    station = make_station()
    # 2026-10-01 National Day: closed. 2026-09-20 (a Sunday) is an adjusted working day.
    assert availability.day_plan(station, date(2026, 10, 1)).reason == "节假日"
    plan = availability.day_plan(station, date(2026, 9, 20))
    assert plan.open
    assert plan.reason == "调休上班"
    assert not availability.day_plan(station, date(2026, 12, 5)).open  # an ordinary Saturday


def test_per_date_exception(make_station, db_session):
    station = make_station()
    db_session.add(
        StationException(station=station, day=date(2026, 12, 3), closed=True, note="站点装修")
    )
    db_session.add(
        StationException(
            station=station, day=date(2026, 12, 4), closed=False, periods=[["09:00", "10:00"]]
        )
    )
    db_session.commit()
    assert availability.day_plan(station, date(2026, 12, 3)).reason == "站点装修"
    assert availability.day_plan(station, date(2026, 12, 4)).periods == [(time(9), time(10))]


def test_booking_window(make_station, db_session):
    station = make_station()
    days = availability.bookable_days(station, NOW)
    assert days[0].day == date(2026, 12, 2)
    assert days[-1].day <= date(2026, 12, 16)
    with pytest.raises(BookingError, match="14 天内"):
        booking.book(db_session, _person(db_session), station, at(18, 9), 3, NOW)


def _person(db_session, openid="o-book"):
    from core.people.people import get_or_create_person

    person = get_or_create_person(db_session, openid)
    db_session.commit()
    return person


def test_book_and_cancel_frees_the_desk_once(make_station, db_session):
    station = make_station(desks=1)
    person = _person(db_session)
    made = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    db_session.commit()
    assert len(made.code) == 6
    assert made.slot.booked == 1
    booking.cancel(db_session, made, by="person", reason="有事", now=NOW)
    db_session.commit()
    with pytest.raises(BookingError):
        booking.cancel(db_session, made, by="person", now=NOW)
    db_session.rollback()
    db_session.refresh(made.slot)
    assert made.slot.booked == 0


def test_full_slot_offers_alternatives(make_station, db_session):
    station = make_station(desks=1)
    booking.book(db_session, _person(db_session, "o-a"), station, at(3, 9), 3, NOW)
    db_session.commit()
    with pytest.raises(BookingError) as info:
        booking.book(db_session, _person(db_session, "o-b"), station, at(3, 9), 3, NOW)
    assert info.value.code == "full"
    assert "约满" in info.value.message
    assert [a.local_start.strftime("%H:%M") for a in info.value.alternatives][:1] in (
        ["09:30"],
        ["08:30"],
    )


def test_per_person_limit_and_one_booking_per_slot(make_station, db_session):
    station = make_station(max_active_per_person=2)
    person = _person(db_session)
    booking.book(db_session, person, station, at(3, 9), 3, NOW)
    db_session.commit()
    with pytest.raises(BookingError) as dup:
        booking.book(db_session, person, station, at(3, 9), 3, NOW)
    assert dup.value.code == "duplicate"
    db_session.rollback()
    booking.book(db_session, person, station, at(3, 10), 3, NOW)
    db_session.commit()
    with pytest.raises(BookingError) as limit:
        booking.book(db_session, person, station, at(3, 11), 3, NOW)
    assert limit.value.code == "limit"


def test_service_must_be_offered(make_station, db_session):
    with pytest.raises(BookingError, match="不提供"):
        booking.book(db_session, _person(db_session), make_station(), at(3, 9), 17, NOW)


def test_reschedule_moves_the_desk(make_station, db_session):
    station = make_station(desks=1)
    person = _person(db_session)
    old = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    db_session.commit()
    new = booking.reschedule(db_session, old, at(4, 14), now=NOW)
    db_session.commit()
    assert old.status == "cancelled"
    assert new.status == "active"
    assert new.rescheduled_from_id == old.id
    db_session.refresh(old.slot)
    assert old.slot.booked == 0
    assert new.slot.booked == 1


def test_nearest_stations_sorted_with_unknown_last(make_station, db_session):
    from core.booking import stations

    make_station("FAR", lat=31.47, lon=121.24)
    make_station("NEAR", lat=31.2950, lon=121.165)
    make_station("NONE", lat=None, lon=None)
    found = stations.nearest(db_session, 31.2946, 121.163)
    assert [n.station.code for n in found] == ["NEAR", "FAR", "NONE"]
    assert found[0].distance_text == "约 200 米"
    assert found[1].distance_text.endswith("公里")


def test_full_before_limit_order_is_kept(make_station, db_session):
    """A person at the limit hears about the limit, even when the slot is also full."""
    station = make_station(desks=1, max_active_per_person=1)
    booking.book(db_session, _person(db_session, "o-a"), station, at(3, 9), 3, NOW)
    mine = _person(db_session, "o-b")
    booking.book(db_session, mine, station, at(3, 10), 3, NOW)
    db_session.commit()
    with pytest.raises(BookingError) as info:
        booking.book(db_session, mine, station, at(3, 9), 3, NOW)
    assert info.value.code == "limit"


def test_alternatives_are_worked_out_only_when_read(make_station, db_session, monkeypatch):
    station = make_station(desks=1)
    booking.book(db_session, _person(db_session, "o-a"), station, at(3, 9), 3, NOW)
    db_session.commit()
    calls = []
    real = booking.alternatives
    monkeypatch.setattr(booking, "alternatives", lambda *a, **k: calls.append(1) or real(*a, **k))
    with pytest.raises(BookingError) as info:
        booking.book(db_session, _person(db_session, "o-b"), station, at(3, 9), 3, NOW)
    db_session.rollback()
    assert calls == []
    first = info.value.alternatives
    assert [a.local_start.strftime("%d %H:%M") for a in first] == [
        "03 09:30",
        "03 10:00",
        "03 10:30",
    ]
    assert info.value.alternatives is first
    assert calls == [1]


def test_alternatives_are_the_nearest_free_slots_over_days(make_station, db_session):
    """A full day sends people to the nearest free times, on days nobody has looked at yet."""
    station = make_station(desks=1)
    day = availability.slots_for_day(db_session, station, date(2026, 12, 3), NOW)
    for n, view in enumerate(day):
        booking.book(db_session, _person(db_session, f"o-{n}"), station, view.starts_at, 3, NOW)
    db_session.commit()
    found = booking.alternatives(db_session, station, at(3, 16, 30), NOW, limit=3)
    # Friday 09:00 is 16.5 h after Thursday 16:30; Wednesday 16:30 is 24 h before it.
    assert [a.local_start.strftime("%d %H:%M") for a in found] == [
        "04 09:00",
        "04 09:30",
        "04 10:00",
    ]
    assert all(a.free == 1 and a.slot_id for a in found)
    early = booking.alternatives(db_session, station, at(3, 9), NOW, limit=2)
    assert [a.local_start.strftime("%d %H:%M") for a in early] == ["02 16:30", "02 16:00"]
    far = booking.alternatives(db_session, station, at(16, 9), NOW, limit=1)
    assert [a.local_start.strftime("%d %H:%M") for a in far] == ["16 09:00"]


def test_a_clashing_booking_code_is_replaced(make_station, db_session, monkeypatch):
    station = make_station()
    first = booking.book(db_session, _person(db_session, "o-a"), station, at(3, 9), 3, NOW)
    db_session.commit()
    codes = iter([first.code, "ZZZZZZ"])
    monkeypatch.setattr(booking, "new_code", lambda: next(codes))
    second = booking.book(db_session, _person(db_session, "o-b"), station, at(3, 9), 3, NOW)
    db_session.commit()
    assert second.code == "ZZZZZZ"
    assert second.slot.booked == 2


def test_a_duplicate_leaves_the_desk_free_after_rollback(make_station, db_session):
    station = make_station(desks=2)
    person = _person(db_session)
    made = booking.book(db_session, person, station, at(3, 9), 3, NOW)
    db_session.commit()
    with pytest.raises(BookingError) as dup:
        booking.book(db_session, person, station, at(3, 9), 3, NOW)
    assert dup.value.code == "duplicate"
    db_session.rollback()
    db_session.refresh(made.slot)
    assert made.slot.booked == 1


def test_cancel_records_who_and_why_on_the_object(make_station, db_session):
    station = make_station(desks=1)
    made = booking.book(db_session, _person(db_session), station, at(3, 9), 3, NOW)
    db_session.commit()
    booking.cancel(db_session, made, by="staff", reason="站点临时关闭", now=NOW)
    assert made.status == "cancelled"
    assert made.cancelled_by == "staff"
    assert made.cancel_reason == "站点临时关闭"
    assert made.cancelled_at == NOW
    assert made.slot.booked == 0  # the session's slot object follows the counter
    db_session.commit()
    db_session.expire_all()
    assert (made.status, made.cancelled_by, made.cancelled_at) == ("cancelled", "staff", NOW)
