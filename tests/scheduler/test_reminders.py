"""Booking reminders: due at the right time, sent once whatever the races and restarts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

import scheduler.jobs
from core.booking import booking as booking_service
from core.booking import reminders
from core.booking.models import Booking, Station
from core.db import db
from core.people.models import Person
from core.timeutil import LOCAL_TZ
from core.wechat.models import OutboxMessage
from scheduler.jobs import JOBS
from scheduler.runner import build_scheduler, stop
from tests.booking.conftest import NOW, at

VISIT = at(3, 9)  # Thursday 09:00, 25 h after NOW


def _book(session, person: Person, station: Station, starts: datetime = VISIT, now=NOW) -> Booking:
    """Book at `now`, and record `now` as the booking time (the services take a fixed clock)."""
    made = booking_service.book(session, person, station, starts, 3, now=now)
    made.created_at = now
    session.commit()
    return made


def _outbox(session, openid: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if openid is not None:
        query = query.where(OutboxMessage.openid == openid)
    return list(session.scalars(query))


def test_day_before_reminder_is_sent_once(db_session, settings, factories):
    station = factories.station(name="安亭镇就业服务站")
    person = factories.person("o-rem-day")
    made = _book(db_session, person, station)

    assert reminders.send_due(db_session, settings, at(2, 8, 30)) == []  # 24.5 h before
    outcomes = reminders.send_due(db_session, settings, at(2, 10))  # 23 h before
    assert [(o.code, o.kind, o.result) for o in outcomes] == [(made.code, "reminder_day", "outbox")]
    [message] = _outbox(db_session, "o-rem-day")
    assert "明天有预约" in message.content
    assert f"预约码：{made.code}" in message.content
    assert "安亭镇就业服务站" in message.content
    assert "12月3日 周四 09:00" in message.content
    db_session.refresh(made)
    assert made.reminded_day_before_at == at(2, 10)

    assert reminders.send_due(db_session, settings, at(2, 10)) == []
    assert reminders.send_due(db_session, settings, at(2, 16, 5)) == []
    assert len(_outbox(db_session)) == 1


def test_soon_reminder_is_sent_once_and_not_before_the_two_hours(db_session, settings, factories):
    station = factories.station()
    person = factories.person("o-rem-soon")
    made = _book(db_session, person, station)
    reminders.send_due(db_session, settings, at(2, 10))  # the day-before one

    assert reminders.send_due(db_session, settings, at(3, 6, 55)) == []  # 2 h 5 min before
    outcomes = reminders.send_due(db_session, settings, at(3, 7, 30))
    assert [(o.code, o.kind) for o in outcomes] == [(made.code, "reminder_soon")]
    assert reminders.send_due(db_session, settings, at(3, 8, 30)) == []
    assert reminders.send_due(db_session, settings, at(3, 9, 5)) == []  # started: nothing
    messages = _outbox(db_session, "o-rem-soon")
    assert [m.content.splitlines()[0] for m in messages] == ["【明天有预约】", "【预约即将开始】"]


def test_booked_within_the_last_day_gets_only_the_two_hour_reminder(
    db_session, settings, factories
):
    station = factories.station()
    person = factories.person("o-rem-late")
    _book(db_session, person, station, now=at(2, 12))  # 21 h ahead: confirmation just sent
    assert reminders.send_due(db_session, settings, at(2, 12, 5)) == []
    assert reminders.send_due(db_session, settings, at(2, 18)) == []
    assert [o.kind for o in reminders.send_due(db_session, settings, at(3, 7, 10))] == [
        "reminder_soon"
    ]


def test_after_an_outage_a_same_day_visit_gets_no_day_before_notice(
    db_session, settings, factories
):
    station = factories.station()
    person = factories.person("o-rem-outage")
    _book(db_session, person, station, starts=at(3, 16))
    # The scheduler was down all afternoon and evening; "明天有预约" would now be wrong.
    assert reminders.send_due(db_session, settings, at(3, 8)) == []
    assert [o.kind for o in reminders.send_due(db_session, settings, at(3, 14, 30))] == [
        "reminder_soon"
    ]


def test_cancelled_bookings_get_no_reminders(db_session, settings, factories):
    station = factories.station()
    person = factories.person("o-rem-cancel")
    made = _book(db_session, person, station)
    booking_service.cancel(db_session, made, by="person", now=NOW)
    db_session.commit()
    for moment in (at(2, 10), at(3, 7, 30)):
        assert reminders.send_due(db_session, settings, moment) == []
    assert _outbox(db_session) == []


def test_a_rescheduled_booking_is_reminded_of_its_new_slot_only(db_session, settings, factories):
    station = factories.station()
    person = factories.person("o-rem-move")
    old = _book(db_session, person, station)
    reminders.send_due(db_session, settings, at(2, 10))  # reminded of Thursday 09:00
    new = booking_service.reschedule(db_session, old, at(4, 14), now=at(2, 11))
    new.created_at = at(2, 11)
    db_session.commit()

    assert reminders.send_due(db_session, settings, at(3, 7, 30)) == []  # old slot: nothing
    assert [(o.code, o.kind) for o in reminders.send_due(db_session, settings, at(3, 15))] == [
        (new.code, "reminder_day")
    ]
    assert [(o.code, o.kind) for o in reminders.send_due(db_session, settings, at(4, 12))] == [
        (new.code, "reminder_soon")
    ]
    contents = [m.content for m in _outbox(db_session, "o-rem-move")]
    assert len(contents) == 3
    assert all("12月4日 周五 14:00" in text and new.code in text for text in contents[1:])


def test_unsubscribed_person_is_claimed_but_not_messaged(db_session, settings, factories):
    station = factories.station()
    person = factories.person("o-rem-gone", subscribed=False)
    made = _book(db_session, person, station)
    [outcome] = reminders.send_due(db_session, settings, at(2, 10))
    assert outcome.result == "refused: unsubscribed"
    assert reminders.send_due(db_session, settings, at(2, 10, 5)) == []
    db_session.refresh(made)
    assert made.reminded_day_before_at is not None
    assert _outbox(db_session) == []


@pytest.mark.parametrize("moment", [at(2, 10), at(3, 7, 30)], ids=["day_before", "soon"])
def test_two_concurrent_runs_send_each_reminder_once(db_session, settings, factories, moment):
    station = factories.station(desks=6)
    openids = [f"o-rem-race-{i}" for i in range(6)]
    for openid in openids:
        _book(db_session, factories.person(openid), station)
    barrier = threading.Barrier(2)

    def run(_: int) -> list[reminders.Outcome]:
        session = db.session()
        try:
            barrier.wait()
            return reminders.send_due(session, settings, moment)
        finally:
            db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    assert sum(len(r) for r in results) == 6
    messages = _outbox(db_session)
    assert sorted(m.openid for m in messages) == sorted(openids)


def test_with_a_template_configured_the_reminder_is_a_template_message(
    db_session, settings, factories, wechat_standin
):
    live = settings.with_overrides(
        wechat_app_id="wx-reminders",
        wechat_app_secret="secret",
        wechat_api_base_url=wechat_standin.base_url,
        wechat_template_booking="TPL-BOOKING",
    )
    station = factories.station(name="嘉定区安亭镇社区就业服务站退役军人服务窗口（示例）")
    person = factories.person("o-rem-tpl")
    made = _book(db_session, person, station)

    [outcome] = reminders.send_due(db_session, live, at(2, 10))
    assert outcome.result == "template"
    [call] = wechat_standin.calls_to("message/template/send")
    assert call.body["touser"] == "o-rem-tpl"
    assert call.body["template_id"] == "TPL-BOOKING"
    values = [field["value"] for field in call.body["data"].values()]
    assert all(len(value) <= 20 for value in values)
    assert "明天有预约" in values
    assert made.code in values
    assert not wechat_standin.calls_to("message/custom/send")
    assert _outbox(db_session) == []
    assert reminders.send_due(db_session, live, at(2, 10, 5)) == []
    assert len(wechat_standin.calls_to("message/template/send")) == 1


def test_the_job_is_registered_and_runs_in_the_scheduler(
    db_session, settings, factories, monkeypatch
):
    [spec] = [job for job in JOBS if job.id == "booking.reminders"]
    assert (spec.trigger, spec.trigger_args) == ("interval", {"minutes": 5})
    station = factories.station()
    made = _book(db_session, factories.person("o-rem-job"), station)
    monkeypatch.setattr(scheduler.jobs, "utcnow", lambda: at(2, 10))

    done = threading.Event()
    events: list[JobExecutionEvent] = []

    def listen(event: JobExecutionEvent) -> None:
        if event.job_id == "booking.reminders":
            events.append(event)
            done.set()

    runner = build_scheduler(settings, BackgroundScheduler)
    runner.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    runner.start()
    try:
        runner.modify_job("booking.reminders", next_run_time=datetime.now(LOCAL_TZ))
        runner.wakeup()
        assert done.wait(15), "the reminder job did not run"
    finally:
        stop(runner)
    assert events[0].exception is None
    [message] = _outbox(db_session, "o-rem-job")
    assert made.code in message.content


def test_a_failed_push_is_logged_and_not_retried(
    db_session, settings, factories, wechat_standin, caplog
):
    live = settings.with_overrides(
        wechat_app_id="wx-reminders-fail",
        wechat_app_secret="secret",
        wechat_api_base_url=wechat_standin.base_url,
        wechat_template_booking="TPL-BOOKING",
    )
    wechat_standin.inject("message/template/send", 45009)
    wechat_standin.inject("message/custom/send", 45015)
    made = _book(db_session, factories.person("o-rem-fail"), factories.station())

    with caplog.at_level("INFO", logger="core.booking.reminders"):
        [outcome] = reminders.send_due(db_session, live, at(2, 10))
    assert outcome.result.startswith("refused: ")
    assert any(made.code in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)
    assert reminders.send_due(db_session, live, at(2, 10, 5)) == []
    assert len(wechat_standin.calls_to("message/template/send")) == 1
