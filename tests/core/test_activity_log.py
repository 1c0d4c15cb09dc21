"""The batch writer: people upserted, both log rows written, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.models import MessageLog, Person
from core.services.activity_log import LoggedExchange, activity_writer, write_batch
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
        reply_payload={"text": "回复"},
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
    assert reply.reply_to_id is not None and reply.handler == "help.show_help"


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
