"""Event rules: time, place, capacity against sign-ups; cancelling tells everyone signed up
once, and says how many could not be reached."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.jobs import event_admin
from core.jobs.event_admin import EventError
from core.jobs.models import CANCELLED, SCHEDULED, WITHDRAWN, EventSignup
from core.timeutil import LOCAL_TZ, utcnow
from core.wechat.models import OutboxMessage
from tests.jobs.conftest import NOW, event_row


def sign_up(session, event, person, status="signed_up"):
    session.add(EventSignup(event=event, person=person, status=status))
    if status == "signed_up":
        event.signed_up += 1
    session.commit()


def test_an_event_at_a_station_takes_the_station_town(db_session, factories):
    station = factories.station(town="南翔镇")
    event = event_admin.create_event(
        db_session, event_row(station_id=str(station.id), address="", town=""), NOW
    )
    start = event.starts_at.astimezone(LOCAL_TZ)
    assert (event.town, event.status, f"{start:%Y-%m-%d %H:%M}") == (
        "南翔镇",
        SCHEDULED,
        "2026-12-10 09:30",
    )
    assert event.ends_at - event.starts_at == timedelta(hours=2, minutes=30)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "party"}, "kind", "请选择活动类型"),
        ({"title": ""}, "title", "请填写活动名称"),
        ({"day": "明天"}, "day", "请填写日期"),
        ({"day": "2026-12-01"}, "day", "不能早于现在"),
        ({"starts": "25:00"}, "starts", "开始时间"),
        ({"ends": "09:00"}, "ends", "要晚于开始时间"),
        ({"address": "", "station_id": ""}, "address", "请选择服务站或填写地址"),
        ({"town": ""}, "town", "所在街镇"),
        ({"town": "浦东新区"}, "town", "嘉定区的街镇"),
        ({"station_id": "99999"}, "station_id", "请从列表中选择服务站"),
        ({"capacity": "0"}, "capacity", "1 到 100000"),
        ({"capacity": "很多"}, "capacity", "1 到 100000"),
    ],
)
def test_each_bad_field_is_named_in_chinese(db_session, changes, field, message):
    with pytest.raises(EventError) as caught:
        event_admin.create_event(db_session, event_row(**changes), NOW)
    assert message in caught.value.errors[field]


def test_capacity_never_drops_below_sign_ups(db_session, factories):
    event = event_admin.create_event(db_session, event_row(), NOW)
    for _ in range(3):
        sign_up(db_session, event, factories.person())
    with pytest.raises(EventError) as caught:
        event_admin.update_event(db_session, event, event_row(capacity="2"), NOW)
    assert "已有 3 人报名" in caught.value.errors["capacity"]
    event_admin.update_event(db_session, event, event_row(capacity="3", title="改名"), NOW)
    assert (event.capacity, event.title) == (3, "改名")


def test_a_past_event_keeps_its_time_when_its_text_is_fixed(db_session, factories):
    # 09:30 two days ago: a fixed time of day, so the event never runs past midnight
    # (the form holds one day with a start and an end time).
    two_days_ago = utcnow().astimezone(LOCAL_TZ).date() - timedelta(days=2)
    starts = datetime.combine(two_days_ago, time(9, 30), tzinfo=LOCAL_TZ)
    event = factories.event(starts_at=starts)
    row = event_admin.form_data(event, utcnow())
    row["title"] = "修正后的名称"
    event_admin.update_event(db_session, event, row, utcnow())
    assert event.title == "修正后的名称"


def test_cancelling_tells_each_person_signed_up_once(db_session, factories, settings):
    event = factories.event(title="示例招聘会")
    near = factories.person("o-near")
    far = factories.person("o-far", last_message_at=utcnow() - timedelta(days=3))
    gone = factories.person("o-gone")
    sign_up(db_session, event, near)
    sign_up(db_session, event, far)
    sign_up(db_session, event, gone, status=WITHDRAWN)
    result = event_admin.cancel_event(db_session, settings, event, "场地检修", utcnow())
    db_session.commit()
    assert (result.told, result.unreachable) == (1, 1)
    assert event.status == CANCELLED
    assert event.cancel_reason == "场地检修"
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.openid == "o-near"
    assert "示例招聘会" in message.content
    assert "场地检修" in message.content
    with pytest.raises(EventError) as caught:
        event_admin.cancel_event(db_session, settings, event, "再取消", utcnow())
    assert "已经取消过了" in caught.value.errors["reason"]
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 1


def test_cancelling_needs_a_reason(db_session, factories, settings):
    event = factories.event()
    for reason in ("  ", "长" * 201):
        with pytest.raises(EventError):
            event_admin.cancel_event(db_session, settings, event, reason, utcnow())
    assert event.status == SCHEDULED


def test_a_cancelled_event_cannot_be_edited(db_session, factories):
    event = factories.event(status=CANCELLED)
    with pytest.raises(EventError):
        event_admin.update_event(
            db_session, event, event_admin.form_data(event, utcnow()), utcnow()
        )


def test_console_lists_split_upcoming_past_and_cancelled(db_session, factories):
    now = utcnow()
    soon = factories.event(starts_at=now + timedelta(days=1))
    later = factories.event(starts_at=now + timedelta(days=5))
    past = factories.event(starts_at=now - timedelta(days=5))
    off = factories.event(status=CANCELLED)
    assert event_admin.list_events(db_session, "upcoming", now) == [soon, later]
    assert event_admin.list_events(db_session, "past", now) == [past]
    assert event_admin.list_events(db_session, "cancelled", now) == [off]


def test_the_sign_up_list_holds_active_sign_ups_only(db_session, factories):
    event = factories.event()
    first, second = factories.person(), factories.person()
    sign_up(db_session, event, first)
    sign_up(db_session, event, second, status=WITHDRAWN)
    assert [s.person for s in event_admin.active_signups(db_session, event)] == [first]
