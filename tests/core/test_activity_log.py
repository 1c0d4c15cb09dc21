"""The batch writer: people upserted, both log rows written, never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from core.chatlog import messages
from core.chatlog.activity_log import LoggedExchange, activity_writer, write_batch
from core.chatlog.models import MessageLog
from core.people.models import Person
from core.timeutil import utcnow


def exchange(openid: str, key: str, *, opens_window: bool = True, at=None) -> LoggedExchange:
    return LoggedExchange(
        openid=openid,
        at=at or utcnow(),
        opens_window=opens_window,
        msg_type="text",
        content="帮助",
        dedup_key=key,
        reply_kind="text",
        reply_text="回复",
        reply_payload_json='{"text": "回复"}',
        handler="help.show_help",
        intent="help",
    )


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_batch_creates_people_and_both_rows(app, db_session):
    write_batch([exchange("o-w1", "msg:1"), exchange("o-w2", "msg:2"), exchange("o-w1", "msg:3")])
    assert count(db_session, Person) == 2
    assert count(db_session, MessageLog) == 6
    reply = db_session.scalar(select(MessageLog).where(MessageLog.direction == "out").limit(1))
    assert reply.reply_to_id is not None
    assert reply.handler == "help.show_help"


def test_writing_the_same_message_again_logs_nothing_more(app, db_session):
    write_batch([exchange("o-w3", "msg:10")])
    write_batch([exchange("o-w3", "msg:10")])
    assert count(db_session, MessageLog) == 2


def test_last_message_time_moves_forward_and_events_do_not_open_the_window(app, db_session):
    earlier = utcnow() - timedelta(hours=3)
    write_batch([exchange("o-w4", "msg:20", at=earlier)])
    write_batch([exchange("o-w4", "evt:x", opens_window=False)])
    db_session.expire_all()
    person = db_session.scalar(select(Person).where(Person.openid == "o-w4"))
    assert abs((person.last_message_at - earlier).total_seconds()) < 1
    assert person.last_seen_at > person.last_message_at


def test_the_background_writer_drains_its_queue(app, db_session):
    for i in range(50):
        activity_writer.submit(exchange(f"o-q{i % 5}", f"msg:q{i}"))
    activity_writer.flush()
    assert count(db_session, MessageLog) == 100
    assert count(db_session, Person) == 5


def test_a_key_twice_in_one_batch_is_logged_once(app, db_session):
    write_batch(
        [exchange("o-w5", "msg:30"), exchange("o-w5", "msg:30"), exchange("o-w5", "msg:31")]
    )
    assert count(db_session, MessageLog) == 4


def test_rows_read_back_like_orm_rows(app, db_session):
    at = utcnow() - timedelta(minutes=5)
    item = replace(
        exchange("o-w6", "evt:o-w6:1:click:HELP", at=at),
        msg_type="event:click",
        content="HELP",
        reply_text="第一行\n“引号” ]]> 结束",
        reply_payload_json='{"text": "第一行\\n“引号” ]]> 结束", "score": 0.8333333333333334}',
        intent=None,
    )
    write_batch([item])
    db_session.expire_all()
    inbound = db_session.scalar(select(MessageLog).where(MessageLog.dedup_key == item.dedup_key))
    reply = db_session.scalar(select(MessageLog).where(MessageLog.reply_to_id == inbound.id))
    assert inbound.direction == "in"
    assert inbound.msg_type == "event:click"
    assert inbound.content == "HELP"
    assert abs((inbound.created_at - at).total_seconds()) < 0.001
    assert inbound.created_at.tzinfo is not None
    assert reply.person_id == inbound.person_id
    assert reply.channel == "passive"
    assert reply.content == "第一行\n“引号” ]]> 结束"
    assert reply.intent is None
    assert reply.payload == {"text": "第一行\n“引号” ]]> 结束", "score": 0.8333333333333334}
    # What a retry gets once Redis has forgotten the message.
    assert messages.stored_reply_payload(db_session, item.dedup_key) == reply.payload


def test_first_seen_stays_and_times_never_move_back(app, db_session):
    early, late = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    write_batch([exchange("o-w7", "msg:40", at=late)])
    write_batch([exchange("o-w7", "msg:41", at=early)])  # an older batch written late
    db_session.expire_all()
    person = db_session.scalar(select(Person).where(Person.openid == "o-w7"))
    assert abs((person.first_seen_at - late).total_seconds()) < 0.001
    assert abs((person.last_seen_at - late).total_seconds()) < 0.001
    assert abs((person.last_message_at - late).total_seconds()) < 0.001


# -- one bad row never drops another's (issue 16) -------------------------------------


def test_a_batch_with_one_bad_row_keeps_everyone_elses(app, db_session):
    """One row the database refuses used to fail the whole batch, which was then dropped:
    the other people lost their person rows and their 48-hour-window times."""
    good = [exchange(f"o-good{i}", f"msg:g{i}") for i in range(9)]
    bad = replace(exchange("o-bad", "msg:bad"), reply_payload_json="{not json")
    for item in [*good[:4], bad, *good[4:]]:
        activity_writer.submit(item)
    assert activity_writer.flush()
    assert count(db_session, Person) == 9
    assert count(db_session, MessageLog) == 18
    people = db_session.scalars(select(Person)).all()
    assert all(person.last_message_at is not None for person in people)
    assert "o-bad" not in {person.openid for person in people}


def test_an_over_long_openid_in_a_batch_drops_only_itself(app, db_session):
    """On PostgreSQL an openid over 64 characters fails the statement (SQLite stores it)."""
    good = [exchange(f"o-ok{i}", f"msg:ok{i}") for i in range(5)]
    long_one = exchange("o" * 65, "msg:long")
    for item in [good[0], long_one, *good[1:]]:
        activity_writer.submit(item)
    assert activity_writer.flush()
    openids = set(db_session.scalars(select(Person.openid)))
    assert {f"o-ok{i}" for i in range(5)} <= openids
    assert count(db_session, MessageLog) >= 10


def test_a_database_that_is_down_is_retried_not_split(app, db_session, monkeypatch):
    """Splitting is for bad rows; an outage retries the batch whole (and then gives up)."""
    from core.chatlog import activity_log

    calls: list[int] = []

    def failing(batch):
        calls.append(len(batch))
        raise RuntimeError("database down")

    monkeypatch.setattr(activity_log, "write_batch", failing)
    monkeypatch.setattr(activity_log, "_database_answers", lambda: False)
    monkeypatch.setattr(activity_log.time, "sleep", lambda _seconds: None)
    activity_log._write_with_retries([exchange(f"o-d{i}", f"msg:d{i}") for i in range(8)])
    assert calls == [8] * activity_log.RETRIES
