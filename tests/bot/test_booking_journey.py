"""The whole booking journey a veteran and a station's staff go through, end to end.

Everything goes through the real paths: signed WeChat XML to `/wechat` (what the
simulator posts), the scheduler's reminder job with its clock moved forward, and the
console as the station's staff see it.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

import scheduler.jobs
from bot import simulate
from core.booking.models import Booking
from core.staff.accounts import STATION_STAFF
from core.timeutil import LOCAL_TZ
from core.wechat.models import OutboxMessage
from tests.clock import frozen_clock
from tests.web.test_console import login
from tests.wechat import post, reply_fields, say

# Wednesday 2026-12-02 08:00 in Shanghai: a plain working day, no holiday near it.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)
ANTING = (31.2946, 121.163)  # where the veteran shares their location from
OPENID = "o-journey"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield


@pytest.fixture
def stations(factories):
    """The Anting station near the veteran, and one in 南翔镇 farther away."""
    near = factories.station(
        "J-AT", name="安亭镇服务站（示例）", latitude=31.2990, longitude=121.163, desks=2
    )
    far = factories.station(
        "J-NX", name="南翔镇服务站（示例）", latitude=31.30, longitude=121.31, town="南翔镇"
    )
    return near, far


def pushes_to(db_session, openid: str) -> list[str]:
    db_session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.openid == openid)
    return [m.content for m in db_session.scalars(query.order_by(OutboxMessage.id))]


def test_share_location_book_be_reminded_staff_see_it_then_cancel(
    client, settings, db_session, factories, stations, monkeypatch
):
    near, _far = stations

    # 1. Sharing a location in Anting lists the nearest station first, with its distance.
    shared = post(client, settings, simulate.location_xml(OPENID, *ANTING, "安亭镇墨玉路"))
    nearest = reply_fields(shared)["Content"]
    assert nearest.index("安亭镇服务站（示例）") < nearest.index("南翔镇服务站（示例）")
    assert "约 500 米" in nearest
    assert re.search(r"约 \d+\.\d 公里", nearest)

    # 2. Booking in numbered steps; the shared location puts the nearest station first:
    #    station → service → day → time → confirm.
    stations_step = say(client, settings, OPENID, "预约")
    assert stations_step.startswith("离您最近的服务站")
    assert "1. 安亭镇服务站（示例） 约 500 米" in stations_step
    assert "1. 政策咨询" in say(client, settings, OPENID, "1")
    assert "12月3日 周四（明天）" in say(client, settings, OPENID, "1")
    assert "09:00" in say(client, settings, OPENID, "2")
    assert "确认" in say(client, settings, OPENID, "1")
    confirmation = say(client, settings, OPENID, "确认")
    made = db_session.scalar(select(Booking))
    assert made is not None
    assert made.station_id == near.id
    assert "预约成功" in confirmation
    assert f"预约码：{made.code}" in confirmation
    assert re.search(r"/m/ics/\S+\.ics", confirmation)

    # 3. The scheduler, its clock moved to the afternoon before, sends the reminder once.
    monkeypatch.setattr(
        scheduler.jobs, "utcnow", lambda: datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
    )
    scheduler.jobs.booking_reminders()
    scheduler.jobs.booking_reminders()
    reminders = [text for text in pushes_to(db_session, OPENID) if "明天有预约" in text]
    assert len(reminders) == 1
    assert made.code in reminders[0]

    # 4. The station's staff see the booking in their day view of the 3rd.
    staff = factories.staff(role=STATION_STAFF, station_id=near.id)
    assert login(client, staff.username).status_code == 302
    with frozen_clock(monkeypatch, NOW):
        day = client.get("/console/bookings?day=2026-12-03").get_data(as_text=True)
    assert made.code in day
    client.get("/console/logout")

    # 5. The veteran cancels from `我的预约`; the desk is free again and no reminder follows.
    assert made.code in say(client, settings, OPENID, "我的预约")
    assert "确认取消这个预约吗" in say(client, settings, OPENID, "取消1")
    assert "已取消" in say(client, settings, OPENID, "是")
    db_session.expire_all()
    cancelled = db_session.get(Booking, made.id)
    assert cancelled is not None
    assert cancelled.status == "cancelled"
    assert cancelled.slot.booked == 0
    before = len(pushes_to(db_session, OPENID))
    monkeypatch.setattr(
        scheduler.jobs, "utcnow", lambda: datetime(2026, 12, 3, 7, 30, tzinfo=LOCAL_TZ)
    )
    scheduler.jobs.booking_reminders()
    assert len(pushes_to(db_session, OPENID)) == before
