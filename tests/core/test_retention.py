"""Retention: the scheduler's `privacy.retention` job deletes message logs and question
logs older than VETBOT_RETENTION_DAYS, and nothing newer. Run on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.chatlog import retention
from core.chatlog.messages import log_outbound
from core.chatlog.models import IN, MessageLog
from core.config import ConfigError, load_settings
from core.faq.models import FaqQuery
from scheduler import jobs
from tests.clock import frozen_clock

NOW = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)


def message(db_session, person, text: str, age_days: float, reply_to=None) -> MessageLog:
    created = NOW - timedelta(days=age_days)
    if reply_to is not None:
        row = log_outbound(
            db_session, person, msg_type="text", content=text, channel="passive", reply_to=reply_to
        )
        row.created_at = created
    else:
        row = MessageLog(
            person=person, direction=IN, msg_type="text", content=text, created_at=created
        )
        db_session.add(row)
    db_session.flush()
    return row


def question(db_session, person, text: str, age_days: float) -> None:
    db_session.add(
        FaqQuery(
            person_id=person.id,
            text=text,
            normalized=text,
            tier="none",
            created_at=NOW - timedelta(days=age_days),
        )
    )


def kept_texts(db_session) -> tuple[list[str], list[str]]:
    db_session.expire_all()
    logs = sorted(db_session.scalars(select(MessageLog.content)))
    asked = sorted(db_session.scalars(select(FaqQuery.text)))
    return logs, asked


@pytest.fixture
def history(db_session, factories):
    person = factories.person()
    old_in = message(db_session, person, "半年多前的问题", 181)
    message(db_session, person, "半年多前的回答", 181, reply_to=old_in)
    edge_in = message(db_session, person, "正好到期前一刻", 180.01)
    message(db_session, person, "到期后一刻的回答", 179.99, reply_to=edge_in)
    message(db_session, person, "上周的消息", 7)
    question(db_session, person, "很久以前的提问", 400)
    question(db_session, person, "最近的提问", 3)
    db_session.commit()
    return person


def test_purge_deletes_only_what_is_older_than_the_limit(db_session, history):
    purged = retention.purge(db_session, 180, NOW)
    assert (purged.messages, purged.questions) == (3, 1)
    logs, asked = kept_texts(db_session)
    assert logs == sorted(["到期后一刻的回答", "上周的消息"])
    assert asked == ["最近的提问"]
    # the reply kept no longer points at the message that went
    kept_reply = db_session.scalar(
        select(MessageLog).where(MessageLog.content == "到期后一刻的回答")
    )
    assert kept_reply.reply_to_id is None


def test_a_second_run_finds_nothing_more(db_session, history):
    retention.purge(db_session, 180, NOW)
    again = retention.purge(db_session, 180, NOW)
    assert (again.messages, again.questions) == (0, 0)


def test_purging_in_chunks_gets_everything(db_session, history, monkeypatch):
    monkeypatch.setattr(retention, "CHUNK", 1)
    purged = retention.purge(db_session, 180, NOW)
    assert (purged.messages, purged.questions) == (3, 1)


def test_the_scheduler_job_uses_the_configured_days_and_the_clock(
    app, settings, db_session, history, monkeypatch
):
    jobs.use_settings(settings.with_overrides(retention_days=5))
    try:
        with frozen_clock(monkeypatch, NOW):
            removed = jobs.privacy_retention()
    finally:
        jobs.use_settings(settings)
    assert removed == 6  # five messages and one question are older than 5 days
    logs, asked = kept_texts(db_session)
    assert logs == []
    assert asked == ["最近的提问"]


def test_the_job_is_registered_with_a_stable_id():
    spec = next(job for job in jobs.JOBS if job.id == "privacy.retention")
    assert spec.trigger == "cron"


@pytest.mark.parametrize("value", ["0", "-3", "abc", "0.5", ""])
def test_a_bad_retention_setting_stops_the_start_or_falls_back(value):
    if value == "":
        assert load_settings({"VETBOT_RETENTION_DAYS": value}).retention_days == 180
        return
    with pytest.raises(ConfigError, match="VETBOT_RETENTION_DAYS"):
        load_settings({"VETBOT_RETENTION_DAYS": value})


def test_the_default_is_180_days_and_the_environment_sets_it():
    assert load_settings({}).retention_days == 180
    assert load_settings({"VETBOT_RETENTION_DAYS": "30"}).retention_days == 30
