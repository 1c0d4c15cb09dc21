"""A 人工 request when the database cannot take it (issue 16, item 9): a locked SQLite made
the chat wait 15 s (WeChat gives up after 5) and the request was lost. Now the chat path
waits a bounded time and the request is queued, then saved by the scheduler."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot import simulate
from core.chatlog.activity_log import activity_writer
from core.db import DEFAULT_BUSY_SECONDS, db
from core.people import handover, handover_queue
from core.people.models import HandoverRequest, Person
from scheduler import jobs
from tests.wechat import reply_fields, say

SAVED_LATER = "已收到您的人工服务请求"


def _handovers(db_session) -> list[HandoverRequest]:
    db_session.expire_all()
    return list(db_session.scalars(select(HandoverRequest)))


def _on_sqlite(settings) -> bool:
    return settings.sqlalchemy_url.startswith("sqlite")


def test_the_chat_path_waits_a_bounded_time_for_a_locked_sqlite(app, settings):
    if not _on_sqlite(settings):
        pytest.skip("SQLite's busy timeout")
    chat_seconds = settings.chat_db_busy_seconds
    assert chat_seconds <= 3 < DEFAULT_BUSY_SECONDS  # WeChat gives up after 5 s
    with db.busy_timeout(chat_seconds):
        chat = db.session().execute(text("PRAGMA busy_timeout")).scalar()
    db.session.remove()
    other = db.session().execute(text("PRAGMA busy_timeout")).scalar()
    db.session.remove()
    assert chat == int(chat_seconds * 1000)
    assert other == int(DEFAULT_BUSY_SECONDS * 1000)


def test_a_locked_sqlite_queues_the_handover_instead_of_losing_it(make_app, settings, db_session):
    if not _on_sqlite(settings):
        pytest.skip("a locked SQLite file")
    client = make_app(chat_db_busy_seconds=0.2).test_client()  # the same path, shorter wait
    path = settings.sqlalchemy_url.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, timeout=0)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        response = client.post(
            "/wechat",
            query_string=simulate.signed_args(settings),
            data=simulate.text_xml("o-locked", "人工：我想问退役金什么时候发").encode(),
            content_type="text/xml",
        )
    finally:
        locker.rollback()
        locker.close()
    activity_writer.flush()
    assert SAVED_LATER in reply_fields(response)["Content"]
    assert _handovers(db_session) == []
    assert jobs.save_queued_handovers() == 1  # the scheduler's job, once the lock is gone
    [saved] = _handovers(db_session)
    assert "退役金" in saved.note
    assert saved.person.openid == "o-locked"


def test_a_database_fault_queues_the_handover_on_any_database(
    client, settings, db_session, monkeypatch
):
    def down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as m:
        m.setattr(handover, "request_person", down)
        reply = say(client, settings, "o-fault", "人工 社保怎么接续")
    assert SAVED_LATER in reply
    assert handover_queue.pending_count() == 1
    assert _handovers(db_session) == []
    assert jobs.save_queued_handovers() == 1
    [saved] = _handovers(db_session)
    assert "社保怎么接续" in saved.note
    assert handover_queue.pending_count() == 0


def test_a_queued_handover_waits_while_the_database_is_still_down(
    client, settings, db_session, monkeypatch
):
    def down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(handover, "request_person", down)
    say(client, settings, "o-wait", "人工")
    assert jobs.save_queued_handovers() == 0
    assert handover_queue.pending_count() == 1  # kept for the next run
    monkeypatch.undo()
    assert jobs.save_queued_handovers() == 1
    count = db_session.scalar(
        select(func.count()).select_from(Person).where(Person.openid == "o-wait")
    )
    assert count == 1
    assert len(_handovers(db_session)) == 1


def test_the_scheduler_runs_the_queue(app):
    assert "handover.queued" in {job.id for job in jobs.JOBS}
