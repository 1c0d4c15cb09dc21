"""A station's bookings in the console: who sees which, what staff can do, what the person
is told, and the CSV that Excel opens. The console's clock is fixed at NOW (a Wednesday).
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from core import timeutil
from core.booking import booking
from core.booking.models import ACTIVE, CANCELLED, CHECKED_IN, NO_SHOW
from core.staff.models import STATION_STAFF
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.web.test_console import csrf_token, login, login_as


@pytest.fixture
def clock():
    """Set "now" (the one clock, `core.timeutil`); starts at NOW."""
    previous = timeutil.set_clock(lambda: NOW)

    def set_to(moment):
        timeutil.set_clock(lambda: moment)

    yield set_to
    timeutil.set_clock(previous)


def book(db_session, factories, station, when, openid=None):
    made = booking.book(db_session, factories.person(openid), station, when, 3, now=NOW)
    db_session.commit()
    return made


def staff_of(client, factories, station):
    user = factories.staff(role=STATION_STAFF, station_id=station.id if station else None)
    assert login(client, user.username).status_code == 302
    return user


def post(client, url, **data):
    data.setdefault("csrf_token", csrf_token(client, "/console/bookings"))
    return client.post(url, data=data)


def status_of(db_session, item):
    db_session.expire_all()
    return db_session.get(type(item), item.id).status


# --- who sees what ----------------------------------------------------------------------


def test_station_staff_see_only_their_own_station(client, factories, db_session, clock):
    ours, theirs = factories.station(name="安亭站"), factories.station(name="南翔站")
    mine = book(db_session, factories, ours, at(2, 10), "oOurs-veteran-0001")
    other = book(db_session, factories, theirs, at(2, 10))
    staff_of(client, factories, ours)

    page = client.get("/console/bookings").text
    assert "安亭站" in page
    assert mine.code in page
    assert "oOurs-…0001" in page
    assert other.code not in page
    assert "南翔站" not in page
    assert other.code not in client.get("/console/bookings/week").text
    assert other.code not in client.get("/console/bookings.csv").text
    assert other.code not in client.get("/console/bookings/affected").text

    for url in ("/console/bookings", "/console/bookings/week", "/console/bookings.csv"):
        assert client.get(f"{url}?station={theirs.id}").status_code == 403, url
    for action in ("check-in", "no-show", "cancel", "move"):
        forged = post(client, f"/console/bookings/{other.id}/{action}", reason="x")
        assert forged.status_code == 404, action
    assert status_of(db_session, other) == ACTIVE


def test_staff_without_a_station_are_told_so(client, factories, clock):
    staff_of(client, factories, None)
    page = client.get("/console/bookings")
    assert page.status_code == 200
    assert "还没有关联服务站" in page.text


def test_admins_without_any_station_are_told_so(client, factories, clock):
    login_as(client, factories)
    assert "还没有任何服务站" in client.get("/console/bookings").text


def test_admins_pick_any_station(client, factories, db_session, clock):
    first, second = factories.station(name="甲站"), factories.station(name="乙站")
    item = book(db_session, factories, second, at(3, 14))
    login_as(client, factories)
    assert "甲站" in client.get("/console/bookings").text  # picker lists both
    page = client.get(f"/console/bookings?station={second.id}&day=2026-12-03").text
    assert item.code in page
    assert f'value="{first.id}"' in page
    assert client.get("/console/bookings?station=999999").status_code == 404


def test_anonymous_visitors_and_forged_posts_are_kept_out(client, factories, db_session, clock):
    station = factories.station()
    item = book(db_session, factories, station, at(2, 10))
    for url in ("/console/bookings", "/console/bookings/week", "/console/bookings.csv"):
        assert client.get(url).location.startswith("/console/login?next="), url
    assert client.post(f"/console/bookings/{item.id}/check-in").status_code in (400, 401)
    staff_of(client, factories, station)
    no_token = client.post(f"/console/bookings/{item.id}/check-in", data={})
    assert no_token.status_code == 400
    assert status_of(db_session, item) == ACTIVE


# --- the day and the week ---------------------------------------------------------------------


def test_day_view_defaults_to_today_and_moves_by_day(client, factories, db_session, clock):
    station = factories.station()
    today = book(db_session, factories, station, at(2, 10, 30))
    tomorrow = book(db_session, factories, station, at(3, 14))
    staff_of(client, factories, station)

    page = client.get("/console/bookings").text
    assert "2026-12-02 周三（今天）" in page
    assert "10:30-11:00" in page
    assert today.code in page
    assert tomorrow.code not in page
    assert "已预约" in page
    assert "day=2026-12-01" in page
    assert "day=2026-12-03" in page
    assert "开放 09:00-11:30、13:30-17:00" in page

    next_day = client.get("/console/bookings?day=2026-12-03").text
    assert tomorrow.code in next_day
    assert today.code not in next_day
    assert "签到" not in next_day
    saturday = client.get("/console/bookings?day=2026-12-05").text
    assert "不开放（休息）" in saturday
    assert "这一天没有预约" in saturday
    assert "（今天）" in client.get("/console/bookings?day=not-a-date").text


def test_week_view_counts_bookings_per_slot(client, factories, db_session, clock):
    station = factories.station(desks=2)
    for _ in range(2):
        book(db_session, factories, station, at(3, 10))
    book(db_session, factories, station, at(4, 14))
    booking.cancel(db_session, book(db_session, factories, station, at(4, 15)), by="person")
    db_session.commit()
    staff_of(client, factories, station)

    page = client.get("/console/bookings/week?week=2026-12-03").text
    assert "2026-11-30 至 2026-12-06" in page
    assert "周四 12/03" in page
    assert "周六 12/05" in page
    assert "不开放（休息）" in page
    assert '<td class="full"><a href="/console/bookings?day=2026-12-03">2</a></td>' in page
    assert '<td class="busy"><a href="/console/bookings?day=2026-12-04">1</a></td>' in page
    assert "week=2026-11-23" in page
    assert "week=2026-12-07" in page
    totals = page.split("合计")[1]
    assert "<td>0</td><td>0</td><td>2</td><td>1</td>" in totals  # the cancelled one not counted


# --- acting on a booking ---------------------------------------------------------------------


def test_check_in_today(client, factories, db_session, clock):
    station = factories.station()
    item = book(db_session, factories, station, at(2, 10))
    later = book(db_session, factories, station, at(3, 10))
    staff_of(client, factories, station)
    response = post(client, f"/console/bookings/{item.id}/check-in")
    assert response.status_code == 302
    assert "day=2026-12-02" in response.location
    assert status_of(db_session, item) == CHECKED_IN
    page = client.get(response.location).text
    assert f"预约 {item.code} 已签到" in page
    assert "已签到" in page
    refused = post(client, f"/console/bookings/{later.id}/check-in", next="/console/bookings")
    assert refused.location == "/console/bookings"
    assert "只能在预约当天签到" in client.get(refused.location).text
    assert status_of(db_session, later) == ACTIVE


def test_no_show_only_once_the_slot_has_started(client, factories, db_session, clock):
    station = factories.station()
    item = book(db_session, factories, station, at(2, 10))
    staff_of(client, factories, station)
    assert "未到</button>" not in client.get("/console/bookings").text
    early = post(client, f"/console/bookings/{item.id}/no-show")
    assert "尚未开始" in client.get(early.location).text
    assert status_of(db_session, item) == ACTIVE
    clock(at(2, 10, 45))
    assert "未到</button>" in client.get("/console/bookings").text
    post(client, f"/console/bookings/{item.id}/no-show")
    assert status_of(db_session, item) == NO_SHOW


def test_cancel_tells_the_person_why(client, factories, db_session, settings, clock):
    station = factories.station(name="安亭站")
    item = book(db_session, factories, station, at(3, 14), "o-cancel-1")
    staff_of(client, factories, station)

    missing = post(client, f"/console/bookings/{item.id}/cancel", reason="  ")
    assert "请填写取消原因" in client.get(missing.location).text
    assert status_of(db_session, item) == ACTIVE

    done = post(client, f"/console/bookings/{item.id}/cancel", reason="站点临时停电")
    page = client.get(done.location).text
    assert f"已取消预约 {item.code}。已通知" in page
    assert "服务站取消：站点临时停电" in page
    assert status_of(db_session, item) == CANCELLED
    notices = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.openid == "o-cancel-1")
    ).all()
    assert len(notices) == 1
    assert "预约已被服务站取消" in notices[0].content
    assert "原因：站点临时停电" in notices[0].content
    assert item.code in notices[0].content
    assert "安亭站" in notices[0].content

    again = post(client, f"/console/bookings/{item.id}/cancel", reason="再取消一次")
    assert "无法再取消" in client.get(again.location).text


def test_cancel_says_when_the_person_could_not_be_told(client, factories, db_session, clock):
    station = factories.station()
    item = book(db_session, factories, station, at(3, 14), "o-gone")
    item.person.subscribed = False
    db_session.commit()
    staff_of(client, factories, station)
    done = post(client, f"/console/bookings/{item.id}/cancel", reason="窗口调整")
    assert "未能通知：该用户已取消关注公众号" in client.get(done.location).text
    assert status_of(db_session, item) == CANCELLED
    assert db_session.scalar(select(OutboxMessage).where(OutboxMessage.openid == "o-gone")) is None


# --- CSV -------------------------------------------------------------------------------------


def rows_of(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_of_the_day_and_the_week(client, factories, db_session, clock):
    station = factories.station(name="安亭站")
    first = book(db_session, factories, station, at(3, 10), "oCsv-person-000001")
    second = book(db_session, factories, station, at(4, 14))
    next_week = book(db_session, factories, station, at(8, 9))
    booking.cancel(db_session, second, by="person", reason="=HYPERLINK(1)")
    db_session.commit()
    staff_of(client, factories, station)

    day = client.get("/console/bookings.csv?day=2026-12-03")
    assert day.mimetype == "text/csv"
    assert "attachment" in day.headers["Content-Disposition"]
    rows = rows_of(day)
    assert rows[0] == [
        "日期",
        "开始",
        "结束",
        "服务站",
        "用户",
        "事项",
        "预约码",
        "状态",
        "取消原因",
    ]
    assert rows[1:] == [
        ["2026-12-03", "10:00", "10:30", "安亭站", "oCsv-p…0001", "政策咨询", first.code,
         "已预约", ""]
    ]  # fmt: skip

    week = rows_of(client.get("/console/bookings.csv?week=2026-12-02"))
    assert [r[6] for r in week[1:]] == [first.code, second.code]
    assert week[2][7] == "已取消"
    assert week[2][8] == "'=HYPERLINK(1)"
    assert next_week.code not in client.get("/console/bookings.csv?week=2026-12-02").text
    page = client.get("/console/bookings?day=2026-12-03").text
    assert "/console/bookings.csv?day=2026-12-03" in page
