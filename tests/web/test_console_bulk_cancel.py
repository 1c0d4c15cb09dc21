"""Bulk cancel in the console: nobody is told a booking is cancelled unless it is.

The adversarial pass (issue 16) ticked an own-station booking and another station's: the
first person got the cancellation notice, then the request was refused and rolled back.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.booking.models import ACTIVE, CANCELLED, Booking
from core.db import db
from core.wechat import notify
from tests.booking.conftest import at
from tests.web.test_console_bookings import book, clock, post, staff_of, status_of  # noqa: F401


def committed_status(item) -> str:
    """The booking's status as another connection sees it: only what is committed."""
    assert db.engine is not None
    with db.engine.connect() as connection:
        return connection.scalar(select(Booking.status).where(Booking.id == item.id))


@pytest.fixture
def told(monkeypatch):
    """Every booking notice that leaves, as (booking code, kind)."""
    sent: list[tuple[str, str]] = []
    original = notify.notify_booking

    def recording(session, settings, item, kind, reason=""):
        sent.append((item.code, kind))
        return original(session, settings, item, kind, reason)

    monkeypatch.setattr(notify, "notify_booking", recording)
    return sent


@pytest.mark.usefixtures("clock")
def test_a_bulk_cancel_with_another_stations_booking_tells_nobody(
    client,
    factories,
    db_session,
    told,
):
    ours, theirs = factories.station(name="安亭站"), factories.station(name="南翔站")
    mine = book(db_session, factories, ours, at(3, 10), "o-mine")
    other = book(db_session, factories, theirs, at(3, 10), "o-other")
    staff_of(client, factories, ours)
    response = post(
        client,
        "/console/bookings/affected/cancel",
        reason="临时停电",
        bookings=[str(mine.id), str(other.id)],
    )
    assert response.status_code == 302
    assert told == []
    assert status_of(db_session, mine) == ACTIVE
    assert status_of(db_session, other) == ACTIVE
    page = client.get(response.location).text
    assert "未取消任何预约" in page


@pytest.mark.usefixtures("clock")
def test_a_bulk_cancel_tells_only_those_really_cancelled_after_the_commit(
    client,
    factories,
    db_session,
    monkeypatch,
):
    station = factories.station(name="安亭站")
    first = book(db_session, factories, station, at(3, 10), "o-first")
    gone = book(db_session, factories, station, at(3, 11), "o-gone")
    states: list[str] = []  # each booking's status, read by another session, as it is told
    original = notify.notify_booking

    def recording(session, settings, item, kind, reason=""):
        states.append(committed_status(item))
        return original(session, settings, item, kind, reason)

    monkeypatch.setattr(notify, "notify_booking", recording)
    staff_of(client, factories, station)
    assert post(client, f"/console/bookings/{gone.id}/cancel", reason="本人来电").status_code == 302
    states.clear()
    response = post(
        client,
        "/console/bookings/affected/cancel",
        reason="临时停电",
        bookings=[str(first.id), str(gone.id)],
    )
    assert states == [CANCELLED]
    assert status_of(db_session, first) == CANCELLED
    page = client.get(response.location).text
    assert f"已取消 1 个预约：{first.code}" in page
    assert f"{gone.code}（" in page


@pytest.mark.usefixtures("clock")
def test_a_single_cancel_is_committed_before_the_notice(
    client,
    factories,
    db_session,
    monkeypatch,
):
    station = factories.station(name="安亭站")
    item = book(db_session, factories, station, at(3, 10), "o-single")
    seen: list[str] = []
    original = notify.notify_booking

    def recording(session, settings, booking, kind, reason=""):
        seen.append(committed_status(booking))
        return original(session, settings, booking, kind, reason)

    monkeypatch.setattr(notify, "notify_booking", recording)
    staff_of(client, factories, station)
    response = post(client, f"/console/bookings/{item.id}/cancel", reason="临时停电")
    assert response.status_code == 302
    assert seen == [CANCELLED]
    assert "已取消预约" in client.get(response.location).text


@pytest.mark.usefixtures("clock")
def test_a_move_is_committed_before_the_notice(client, factories, db_session, monkeypatch):
    station = factories.station(name="安亭站")
    item = book(db_session, factories, station, at(3, 14), "o-moved")
    seen: list[tuple[str, str]] = []
    original = notify.notify_booking

    def recording(session, settings, booking, kind, reason=""):
        seen.append((kind, committed_status(booking)))
        return original(session, settings, booking, kind, reason)

    monkeypatch.setattr(notify, "notify_booking", recording)
    staff_of(client, factories, station)
    response = post(client, f"/console/bookings/{item.id}/move", starts_at=at(3, 10).isoformat())
    assert response.status_code == 302
    assert seen == [("changed", ACTIVE)]
    assert status_of(db_session, item) == CANCELLED
