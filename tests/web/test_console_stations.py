"""Stations in the console (district admins only): create and edit with the import's rules,
exceptions, CSV import and export, and, above all, no booking dropped by a change of plan:
the affected ones are shown before saving, stay active after, and are listed to resolve.
"""

from __future__ import annotations

import io
from datetime import UTC
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.booking import booking, station_csv
from core.booking.models import ACTIVE, CANCELLED, BookingSlot, Station
from core.staff.models import STATION_STAFF
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.clock import frozen_clock
from tests.web.test_console import csrf_token, login_as


@pytest.fixture
def admin(client, factories, monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield login_as(client, factories)


def book(db_session, factories, station, when, openid=None):
    made = booking.book(db_session, factories.person(openid), station, when, 3, now=NOW)
    db_session.commit()
    return made


class _Form(HTMLParser):
    """The controls of the form posting to `action`, as a browser submits them (pairs)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.pairs = action, False, []
        self._text: list | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and not self.pairs
        elif not self.inside:
            return
        elif tag == "input" and "name" in a and a.get("type") not in ("submit", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.pairs.append([a["name"], a.get("value") or ""])
        elif tag == "textarea":
            self._text = [a["name"], ""]
            self.pairs.append(self._text)
        elif tag == "select":
            self._select = [a["name"], None]
            self.pairs.append(self._select)
        elif tag == "option" and self._select and (self._select[1] is None or "selected" in a):
            self._select[1] = a.get("value", "")  # the first option, unless one is selected

    def handle_endtag(self, tag):
        if tag == "textarea" and self._text:
            self._text[1] = self._text[1].removeprefix("\r").removeprefix("\n")
            self._text = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self._text is not None:
            self._text[1] += data


def form_of(html: str, action: str) -> dict[str, list[str]]:
    reader = _Form(action)
    reader.feed(html)
    assert reader.pairs, f"no form posting to {action}"
    fields: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        if value is not None:
            fields.setdefault(name, []).append(value)
    return fields


def edit(client, station, **changes):
    """Read the edit form as shown, change some fields, post it back."""
    url = f"/console/stations/{station.id}"
    data = form_of(client.get(url).text, url) | {k: [v] for k, v in changes.items()}
    return client.post(url, data=data)


def confirm(client, response, action):
    """Press the confirming button of a page that listed affected bookings."""
    return client.post(action, data=form_of(response.text, action))


def hours_of(db_session, station) -> str:
    db_session.expire_all()
    return station_csv.format_hours(db_session.get(Station, station.id).hours)


def status_of(db_session, item) -> str:
    db_session.expire_all()
    return db_session.get(type(item), item.id).status


# --- who gets in ---------------------------------------------------------------------------


def test_station_pages_are_for_district_admins_only(client, factories):
    station = factories.station()
    exception_url = f"/console/stations/{station.id}/exceptions"
    pages = [
        "/console/stations",
        "/console/stations/new",
        f"/console/stations/{station.id}",
        exception_url,
        "/console/stations/import",
        "/console/stations/export.csv",
    ]
    login_as(client, factories, role=STATION_STAFF)
    for url in pages:
        page = client.get(url)
        assert page.status_code == 403, url
        assert "无权访问" in page.text, url
    token = csrf_token(client, "/console/")
    for url in pages[1:5]:
        forged = {"csrf_token": token, "code": "X", "name": "X", "day": "2026-12-03"}
        assert client.post(url, data=forged).status_code == 403, url
    nav = client.get("/console/").text
    assert "服务站</a>" not in nav
    assert "预约</a>" in nav


def test_list_marks_sample_and_paused_stations(client, factories, admin):
    factories.station(name="示例服务站甲", is_sample=True)
    factories.station(name="真实服务站乙", is_active=False)
    page = client.get("/console/stations").text
    assert "示例服务站甲" in page
    assert 'pill-sample" title="示例数据，非真实站点">示例' in page
    assert "真实服务站乙" in page
    assert "暂停预约" in page
    assert "1-5 09:00-11:30 13:30-17:00" in page
    assert "服务站</a>" in page


# --- create and edit ----------------------------------------------------------------------------


NEW = {
    "code": "JD-NEW-1",
    "name": "马陆镇社区就业服务站",
    "town": "马陆镇",
    "address": "示例路 1 号",
    "latitude": "31.33",
    "longitude": "121.27",
    "phone": "021-00000000",
    "services": ["3", "7"],
    "hours": "1-5 09:00-11:30 13:30-17:00; 6 09:00-12:00",
    "slot_minutes": "20",
    "desks": "2",
    "booking_window_days": "14",
    "min_notice_minutes": "60",
    "max_active_per_person": "2",
    "is_active": "y",
    "note": "二楼",
}


def test_create_a_station(client, admin, db_session):
    data = form_of(client.get("/console/stations/new").text, "/console/stations/new")
    assert data["slot_minutes"] == ["30"]
    assert data["is_active"] == ["y"]
    response = client.post("/console/stations/new", data=data | NEW)
    assert response.status_code == 302, response.text
    station = db_session.scalar(select(Station).where(Station.code == "JD-NEW-1"))
    assert station.services == [3, 7]
    assert station.slot_minutes == 20
    assert station.desks == 2
    assert station_csv.format_hours(station.hours) == NEW["hours"]
    assert station.is_active
    assert not station.is_sample
    assert station.latitude == 31.33
    assert "已新建服务站" in client.get(response.location).text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "1-5 9点到5点"}, "格式不对"),
        ({"hours": "1-5 09:00-12:00 11:00-17:00"}, "时段重叠"),
        ({"desks": "0"}, "应为 1 到 50 之间的整数"),
        ({"latitude": "39.9"}, "超出嘉定区范围"),
        ({"longitude": ""}, "纬度和经度要么都填"),
        ({"town": ""}, "请选择街镇"),
        ({"name": ""}, "请填写名称"),
        ({"note": "长" * 1001}, "不超过 1000 个字符（现有 1001 个）"),
    ],
)
def test_a_bad_station_is_refused_in_chinese_with_the_typed_values_kept(
    client, admin, db_session, changes, message
):
    data = form_of(client.get("/console/stations/new").text, "/console/stations/new")
    response = client.post("/console/stations/new", data=data | NEW | changes)
    assert response.status_code == 200
    assert "未保存" in response.text
    assert message in response.text
    shown = form_of(response.text, "/console/stations/new")
    sent = {k: v if isinstance(v, list) else [v] for k, v in (NEW | changes).items()}
    assert {k: shown.get(k, [""]) for k in sent} == {k: v or [""] for k, v in sent.items()}
    assert db_session.scalar(select(Station)) is None


def test_a_code_in_use_is_refused(client, factories, admin):
    factories.station(code="TAKEN")
    station = factories.station()
    response = edit(client, station, code="TAKEN")
    assert response.status_code == 200
    assert "编号 TAKEN 已被其他服务站使用" in response.text


# --- changes that affect bookings -------------------------------------------------------------


def test_closing_afternoons_lists_the_afternoon_bookings_first_and_keeps_them(
    client, factories, db_session, admin
):
    station = factories.station(desks=2)
    morning = book(db_session, factories, station, at(3, 10))
    afternoons = [
        book(db_session, factories, station, at(3, 14), "o-pm-1"),
        book(db_session, factories, station, at(7, 16), "o-pm-2"),
    ]
    url = f"/console/stations/{station.id}"

    shown = edit(client, station, hours="1-5 09:00-11:30")
    assert shown.status_code == 200
    assert "以下 2 个预约受影响" in shown.text
    assert all(b.code in shown.text for b in afternoons)
    assert morning.code not in shown.text
    assert "该时段已不在开放时间内" in shown.text
    assert "确认保存" in shown.text
    assert hours_of(db_session, station) == "1-5 09:00-11:30 13:30-17:00"  # not saved yet

    saved = confirm(client, shown, url)
    assert saved.status_code == 302
    assert saved.location == f"/console/bookings/affected?station={station.id}"
    assert hours_of(db_session, station) == "1-5 09:00-11:30"
    assert [status_of(db_session, b) for b in [morning, *afternoons]] == [ACTIVE] * 3

    listed = client.get(saved.location).text
    assert "2 个预约不在新的开放安排内，仍然有效" in listed
    assert all(b.code in listed for b in afternoons)
    assert morning.code not in listed
    assert "改约</button>" in listed
    assert f'value="{afternoons[0].id}"' in listed
    assert "需处理" in client.get("/console/stations").text
    staff_day = client.get(f"/console/bookings?station={station.id}&day=2026-12-03").text
    assert "不在当前开放安排内" in staff_day

    token = csrf_token(client, saved.location)
    done = client.post(
        "/console/bookings/affected/cancel",
        data={
            "csrf_token": token,
            "reason": "下午暂停接待",
            "bookings": [str(b.id) for b in afternoons],
            "next": saved.location,
        },
    )
    notes = client.get(done.location).text
    assert f"已取消 2 个预约：{afternoons[0].code}、{afternoons[1].code}。均已通知预约人" in notes
    assert [status_of(db_session, b) for b in afternoons] == [CANCELLED] * 2
    for openid in ("o-pm-1", "o-pm-2"):
        notice = db_session.scalar(select(OutboxMessage).where(OutboxMessage.openid == openid))
        assert notice is not None
        assert "原因：下午暂停接待" in notice.content
    assert "没有需要处理的预约" in client.get(saved.location).text


def test_a_confirmation_for_another_set_of_bookings_asks_again(
    client, factories, db_session, admin
):
    station = factories.station()
    book(db_session, factories, station, at(3, 14))
    shown = edit(client, station, hours="1-5 09:00-11:30")
    late = book(db_session, factories, station, at(3, 15))  # booked while the admin read
    again = confirm(client, shown, f"/console/stations/{station.id}")
    assert again.status_code == 200
    assert "以下 2 个预约受影响" in again.text
    assert late.code in again.text
    assert hours_of(db_session, station) == "1-5 09:00-11:30 13:30-17:00"


def test_moving_an_affected_booking(client, factories, db_session, admin):
    station = factories.station()
    item = book(db_session, factories, station, at(3, 14), "o-move")
    confirm(
        client, edit(client, station, hours="1-5 09:00-11:30"), f"/console/stations/{station.id}"
    )
    page = client.get(f"/console/bookings/affected?station={station.id}").text
    action = f"/console/bookings/{item.id}/move"
    data = form_of(page, action)
    assert data["starts_at"] == [at(3, 11).astimezone(UTC).isoformat()]  # the nearest free slot
    moved = client.post(action, data=data)
    assert f"已将预约 {item.code} 改到 2026-12-03 11:00" in client.get(moved.location).text
    assert status_of(db_session, item) == CANCELLED
    new = db_session.scalar(select(BookingSlot).where(BookingSlot.starts_at == at(3, 11)))
    assert new.booked == 1
    notice = db_session.scalar(select(OutboxMessage).where(OutboxMessage.openid == "o-move"))
    assert "预约已改期" in notice.content


def test_fewer_desks_flag_full_slots_and_lower_future_capacity(
    client, factories, db_session, admin
):
    station = factories.station(desks=3)
    crowded = [book(db_session, factories, station, at(3, 10)) for _ in range(2)]
    shown = edit(client, station, desks="1")
    assert "以下 2 个预约受影响" in shown.text
    assert "超过窗口数 1" in shown.text
    assert "预约保留" in shown.text
    confirm(client, shown, f"/console/stations/{station.id}")
    db_session.expire_all()
    capacity = {
        s.starts_at: s.capacity
        for s in db_session.scalars(select(BookingSlot).where(BookingSlot.station_id == station.id))
    }
    assert capacity[at(3, 10)] == 2
    assert capacity[at(3, 10, 30)] == 1
    assert [status_of(db_session, b) for b in crowded] == [ACTIVE, ACTIVE]


def test_an_edit_that_affects_nobody_saves_at_once(client, factories, db_session, admin):
    station = factories.station()
    book(db_session, factories, station, at(3, 10))
    response = edit(client, station, name="新名字", hours="1-5 09:00-12:00 13:30-17:00")
    assert response.status_code == 302
    assert response.location == f"/console/stations/{station.id}"
    assert "已保存服务站“新名字”" in client.get(response.location).text
    assert hours_of(db_session, station) == "1-5 09:00-12:00 13:30-17:00"


def test_a_closing_exception_lists_that_days_bookings(client, factories, db_session, admin):
    station = factories.station()
    that_day = [book(db_session, factories, station, at(4, h)) for h in (9, 14)]
    other_day = book(db_session, factories, station, at(3, 10))
    url = f"/console/stations/{station.id}/exceptions"
    data = form_of(client.get(url).text, url) | {
        "day": ["2026-12-04"],
        "kind": ["closed"],
        "note": ["站点装修"],
    }
    shown = client.post(url, data=data)
    assert shown.status_code == 200
    assert "以下 2 个预约受影响" in shown.text
    assert all(b.code in shown.text for b in that_day)
    assert other_day.code not in shown.text
    assert "当天不开放（站点装修）" in shown.text
    db_session.expire_all()
    assert db_session.get(Station, station.id).exceptions == []

    saved = confirm(client, shown, url)
    assert saved.location == f"/console/bookings/affected?station={station.id}"
    listed = client.get(saved.location).text
    assert all(b.code in listed for b in that_day)
    assert other_day.code not in listed
    assert [status_of(db_session, b) for b in that_day] == [ACTIVE, ACTIVE]
    page = client.get(url).text
    assert "2026-12-04" in page
    assert "站点装修" in page
    assert "全天不开放" in page


def test_exceptions_special_hours_past_days_and_removal(client, factories, db_session, admin):
    station = factories.station()
    url = f"/console/stations/{station.id}/exceptions"
    base = form_of(client.get(url).text, url)
    bad = client.post(url, data=base | {"day": ["2026-12-05"], "kind": ["special"]})
    assert "请填写当天的开放时段" in bad.text
    past = client.post(url, data=base | {"day": ["2026-11-30"], "kind": ["closed"]})
    assert "不能为已经过去的日期设置例外" in past.text
    nodate = client.post(url, data=base | {"day": ["12/05"]})
    assert "请选择日期" in nodate.text
    saturday = {"day": ["2026-12-05"], "kind": ["special"], "periods": ["09:00-12:00"]}
    assert client.post(url, data=base | saturday).status_code == 302

    item = book(db_session, factories, station, at(5, 10))  # a Saturday, open by exception
    exception = db_session.get(Station, station.id).exceptions[0]
    remove = f"{url}/{exception.id}/delete"
    shown = client.post(remove, data=form_of(client.get(url).text, remove))
    assert "以下 1 个预约受影响" in shown.text
    assert item.code in shown.text
    assert "当天不开放（休息）" in shown.text
    db_session.expire_all()
    assert len(db_session.get(Station, station.id).exceptions) == 1
    assert confirm(client, shown, remove).status_code == 302
    db_session.expire_all()
    assert db_session.get(Station, station.id).exceptions == []
    assert status_of(db_session, item) == ACTIVE


# --- CSV ---------------------------------------------------------------------------------------------

GOOD = (
    "code,name,town,address,latitude,longitude,phone,has_veterans_window,services,"
    "slot_minutes,desks,booking_window_days,min_notice_minutes,max_active_per_person,"
    "hours,is_sample,note\n"
    "CSV-1,华亭镇服务站,华亭镇,,,,,1,3 7,30,1,14,120,2,1-5 09:00-11:30,0,\n"
    "CSV-2,外冈镇服务站,外冈镇,,31.36,121.16,,0,3,30,2,14,120,2,1-5 09:00-17:00,1,示例\n"
)


def upload(client, text: str | bytes, name: str = "stations.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/console/stations/import",
        data={
            "csrf_token": csrf_token(client, "/console/stations/import"),
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_import_with_bad_rows_imports_nothing_and_names_each(client, admin, db_session):
    bad = GOOD + (
        "CSV-3,坏站一,不存在镇,,,,,0,3,30,1,14,120,2,1-5 09:00-11:30,0,\n"
        "CSV-4,坏站二,南翔镇,,,,,0,3,30,99,14,120,2,1-5 09:00-11:30,0,\n"
        "CSV-5,坏站三,南翔镇,,,,,0,3,30,1,14,120,2,1-5 9点,0,\n"
    )
    response = upload(client, bad)
    assert response.status_code == 200
    assert "未导入任何数据：文件中有 3 处问题" in response.text
    assert "第 4 行 town 列（街镇）的“不存在镇”：不是嘉定区的街镇" in response.text
    assert "第 5 行 desks 列（窗口数）的“99”：应为 1 到 50 之间的整数" in response.text
    assert "第 6 行 hours 列（每周开放时间）的“1-5 9点”：" in response.text
    assert "格式不对" in response.text
    assert db_session.scalar(select(Station)) is None
    assert "请选择要导入的 CSV 文件" in upload(client, b"", "").text


def test_import_then_export(client, admin, db_session):
    response = upload(client, ("\ufeff" + GOOD).encode("gbk", errors="ignore"))
    assert response.status_code == 302
    assert response.location == "/console/stations"
    assert "新增 2 个、更新 0 个" in client.get("/console/stations").text
    assert db_session.scalar(select(Station).where(Station.code == "CSV-2")).is_sample

    exported = client.get("/console/stations/export.csv")
    body = exported.get_data()
    assert exported.mimetype == "text/csv"
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(station_csv.COLUMNS)
    assert "CSV-1,华亭镇服务站,华亭镇" in text
    assert "1-5 09:00-17:00" in text


def test_an_import_that_strands_bookings_asks_first(client, factories, db_session, admin):
    station = factories.station(code="CSV-1")
    item = book(db_session, factories, station, at(3, 14))
    shown = upload(client, GOOD)
    assert shown.status_code == 200
    assert "以下 1 个预约受影响" in shown.text
    assert item.code in shown.text
    assert "确认导入" in shown.text
    assert hours_of(db_session, station) == "1-5 09:00-11:30 13:30-17:00"
    done = confirm(client, shown, "/console/stations/import")
    assert done.location == "/console/bookings/affected"
    assert hours_of(db_session, station) == "1-5 09:00-11:30"
    assert item.code in client.get(done.location).text
    assert status_of(db_session, item) == ACTIVE
