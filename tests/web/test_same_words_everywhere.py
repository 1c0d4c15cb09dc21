"""A booking's and an event's time read the same in the chat, on the page and in a push.

People see one appointment in three places; when one says "12月03日 09:00" and another
"12月3日 周四 09:00" they wonder whether they are the same. The words come from
`core.timeutil`, and this test holds every channel to them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.booking import booking as booking_service
from core.booking import reminders
from core.jobs import event_admin, events
from core.jobs.models import Event
from core.timeutil import span_text
from core.wechat import links
from core.wechat.models import OutboxMessage
from tests.booking.conftest import NOW, at
from tests.clock import frozen_clock
from tests.wechat import say

BOOKED = "12月3日 周四 09:00-09:30"
FAIR = "12月9日 周三 09:30-12:30"


def _pushes(db_session, openid: str) -> list[str]:
    db_session.expire_all()
    query = select(OutboxMessage.content).where(OutboxMessage.openid == openid)
    return list(db_session.scalars(query.order_by(OutboxMessage.id)))


def test_a_booking_reads_the_same_in_chat_page_and_reminder(
    client, settings, db_session, factories, monkeypatch: pytest.MonkeyPatch
):
    with frozen_clock(monkeypatch, NOW):
        station = factories.station(name="安亭镇就业服务站")
        person = factories.person("o-same-booking")
        made = booking_service.book(db_session, person, station, at(3, 9), 3, now=NOW)
        db_session.commit()
        assert span_text(made.slot.starts_at, made.slot.ends_at) == BOOKED

        chat = say(client, settings, "o-same-booking", "我的预约")
        token = links.person_token(settings, "o-same-booking")
        client.get(f"/m/bookings?t={token}")
        page = client.get("/m/bookings").get_data(as_text=True)
    reminders.send_due(db_session, settings, at(2, 10))
    [push] = _pushes(db_session, "o-same-booking")

    assert BOOKED in chat
    assert BOOKED in page
    assert BOOKED in push


def test_an_event_reads_the_same_in_chat_page_and_cancellation(
    client, settings, db_session, factories, monkeypatch: pytest.MonkeyPatch
):
    with frozen_clock(monkeypatch, NOW):
        fair = factories.event(title="示例招聘会", starts_at=at(9, 9, 30))
        person = factories.person("o-same-event")
        events.sign_up(db_session, person, fair, now=NOW)
        db_session.commit()

        chat = say(client, settings, "o-same-event", "活动")
        page = client.get(f"/m/events/{fair.id}").get_data(as_text=True)
        event_admin.cancel_event(
            db_session, settings, db_session.get(Event, fair.id), "场地调整", NOW
        )
        db_session.commit()
    [push] = _pushes(db_session, "o-same-event")

    assert FAIR in chat
    assert FAIR in page
    assert FAIR in push
