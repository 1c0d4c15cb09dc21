"""Sending against the WeChat stand-in: each person once at most, every row accounted for,
WeChat's error codes sorted into sent / failed (with the code) / skipped (with the reason)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.broadcast import admin as broadcast_admin
from core.broadcast import ledger as broadcast_ledger
from core.broadcast import send as broadcast_send
from core.broadcast.claims import INTERRUPTED, OPTED_OUT
from core.broadcast.delivery import OUTSIDE_WINDOW, UNCONFIRMED, Transport
from core.broadcast.models import (
    CANCELLED,
    CLAIMED,
    CUSTOM,
    DONE,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    BroadcastRecipient,
)
from core.db import db
from core.jobs.models import Subscription
from core.timeutil import utcnow
from core.wechat.models import OutboxMessage
from tests.broadcast.conftest import later, ledger, no_sleep
from tests.standin import Hang, HTTPError

CUSTOM_PATH = "message/custom/send"


def _run(db_session, settings, broadcast_id, transport=None, clock=utcnow):
    return broadcast_send.run(
        db_session, settings, broadcast_id, transport=transport, clock=clock, sleep=no_sleep
    )


def _assert_accounted(db_session, broadcast_id, standin, people):
    """No duplicates, no losses: one final row each, and sent rows match what WeChat took."""
    rows = ledger(db_session, broadcast_id)
    assert sorted(rows) == sorted(p.openid for p in people)
    assert all(r.status in (SENT, FAILED, SKIPPED) for r in rows.values())
    delivered = standin.delivered_to()
    assert all(n == 1 for n in delivered.values()), delivered
    assert {o for o, r in rows.items() if r.status == SENT} == set(delivered)
    return rows


def test_everyone_gets_it_once(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    people = [subscriber() for _ in range(30)]
    made = broadcast()

    assert _run(db_session, api_settings, made.id, transport)

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    assert {r.status for r in rows.values()} == {SENT}
    assert {r.channel for r in rows.values()} == {CUSTOM}
    db_session.refresh(made)
    assert made.status == DONE
    assert made.finished_at
    assert made.lease_owner is None
    text = wechat_standin.calls_to(CUSTOM_PATH)[0].body["text"]["content"]
    assert "金秋招聘会" in text
    assert "专场招聘会" in text
    report = broadcast_ledger.report(db_session, made.id)
    assert (report.total, report.statuses[SENT], report.percent) == (30, 30, 100)


def test_error_codes_are_sorted_and_transient_ones_retried(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    names = ["o-ok", "o-45015", "o-45047", "o-flaky", "o-5xx", "o-timeout", "o-40003"]
    people = [subscriber(n) for n in names]
    wechat_standin.inject_for("o-45015", 45015)
    wechat_standin.inject_for("o-45047", 45047)
    wechat_standin.inject_for("o-flaky", -1, HTTPError(502))  # third try goes through
    wechat_standin.inject_for("o-5xx", HTTPError(500), HTTPError(503), -1)
    wechat_standin.inject_for("o-timeout", Hang(2.0))
    wechat_standin.inject_for("o-40003", 40003)
    made = broadcast()

    _run(db_session, api_settings, made.id, transport)

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    state = {o: (r.status, r.errcode, r.attempts) for o, r in rows.items()}
    assert state["o-ok"] == (SENT, None, 1)
    assert state["o-45015"] == (SKIPPED, 45015, 1)
    assert rows["o-45015"].reason == OUTSIDE_WINDOW
    assert state["o-45047"] == (FAILED, 45047, 1)
    assert state["o-flaky"] == (SENT, None, 3)
    assert state["o-5xx"] == (FAILED, -1, 3)
    assert rows["o-5xx"].reason == "微信服务暂时不可用（已尝试3次）"
    # A timeout may have delivered: never retried, so never twice.
    assert state["o-timeout"][0] == FAILED
    assert rows["o-timeout"].reason == UNCONFIRMED
    timeout_calls = [
        c for c in wechat_standin.calls_to(CUSTOM_PATH) if c.body["touser"] == "o-timeout"
    ]
    assert len(timeout_calls) == 1
    assert state["o-40003"] == (FAILED, 40003, 1)
    report = broadcast_ledger.report(db_session, made.id)
    assert report.statuses == {SENT: 2, FAILED: 4, SKIPPED: 1}
    assert report.failed[(45047, rows["o-45047"].reason)] == 1


def test_daily_quota_pauses_until_tomorrow_then_finishes(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    people = [subscriber(f"o-q{i:02d}") for i in range(20)]
    settings = api_settings.with_overrides(broadcast_workers=1, broadcast_batch=5)
    wechat_standin.inject_for("o-q07", 45009)
    made = broadcast()

    _run(db_session, settings, made.id, transport)

    rows = ledger(db_session, made.id)
    assert (rows["o-q07"].status, rows["o-q07"].errcode) == (FAILED, 45009)
    assert all(rows[f"o-q{i:02d}"].status == SENT for i in range(7))
    assert all(rows[f"o-q{i:02d}"].status == PENDING for i in range(8, 20))
    db_session.refresh(made)
    assert made.status == SENDING
    assert made.lease_owner is None
    assert made.send_at > utcnow()
    assert "45009" in made.note
    assert broadcast_send.due(db_session, utcnow()) == []  # not before tomorrow

    tomorrow = lambda: made.send_at + timedelta(minutes=1)  # noqa: E731
    assert broadcast_send.dispatch(db_session, settings, transport=transport, clock=tomorrow)

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    assert sum(r.status == SENT for r in rows.values()) == 19
    db_session.refresh(made)
    assert made.status == DONE


def test_unfollowed_since_planning_are_skipped(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    subscriber("o-stays")
    leaves = subscriber("o-leaves")
    made = broadcast()
    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    leaves.subscribed = False
    db_session.commit()

    _run(db_session, api_settings, made.id, transport)

    rows = ledger(db_session, made.id)
    assert rows["o-stays"].status == SENT
    assert (rows["o-leaves"].status, rows["o-leaves"].reason) == (SKIPPED, "已取消关注公众号")
    assert wechat_standin.delivered_to() == {"o-stays": 1}


def test_rows_left_mid_send_by_a_dead_worker_are_never_sent_again(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    people = [subscriber(f"o-d{i}") for i in range(6)]
    made = broadcast()
    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    # A worker claimed two rows, then died; its lease ran out a minute ago.
    first_two = [r.id for r in ledger(db_session, made.id).values()][:2]
    db_session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.id.in_(first_two))
        .values(status=CLAIMED)
    )
    made.status, made.lease_owner = SENDING, "dead-worker"
    made.lease_until = utcnow() - timedelta(minutes=1)
    db_session.commit()

    assert broadcast_send.dispatch(db_session, api_settings, transport=transport) == [made.id]

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    interrupted = [o for o, r in rows.items() if r.reason == INTERRUPTED]
    assert len(interrupted) == 2
    assert all(rows[o].status == FAILED for o in interrupted)
    assert sum(r.status == SENT for r in rows.values()) == 4


def test_a_live_lease_keeps_a_second_worker_out(
    db_session, subscriber, broadcast, api_settings, transport
):
    subscriber()
    made = broadcast()
    assert broadcast_send.take_lease(db_session, made.id, "worker-a", utcnow())
    assert not _run(db_session, api_settings, made.id, transport)
    assert broadcast_send.due(db_session, utcnow()) == []


def test_a_scheduled_broadcast_waits_for_its_time(
    db_session, subscriber, broadcast, api_settings, transport
):
    subscriber()
    made = broadcast(send_at=utcnow() + timedelta(hours=2))
    assert broadcast_send.dispatch(db_session, api_settings, transport=transport) == []
    later = lambda: utcnow() + timedelta(hours=3)  # noqa: E731
    assert broadcast_send.dispatch(db_session, api_settings, transport=transport, clock=later) == [
        made.id
    ]


def test_cancelling_stops_what_is_left(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    for i in range(5):
        subscriber(f"o-c{i}")
    made = broadcast()
    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    made.status = SENDING  # paused by the quota, say: no live lease
    db_session.commit()

    assert broadcast_admin.cancel(db_session, made.id, utcnow())
    db_session.commit()

    assert not _run(db_session, api_settings, made.id, transport)
    rows = ledger(db_session, made.id)
    assert {(r.status, r.reason) for r in rows.values()} == {(SKIPPED, "广播已取消")}
    assert wechat_standin.delivered_to() == {}
    db_session.refresh(made)
    assert made.status == CANCELLED


def test_embedded_mode_writes_the_outbox_once_each(db_session, subscriber, broadcast, settings):
    people = [subscriber() for _ in range(12)]
    made = broadcast()

    assert broadcast_send.run(db_session, settings.with_overrides(broadcast_batch=5), made.id)
    assert not broadcast_send.run(db_session, settings, made.id)  # done: nothing more

    outbox = db_session.scalars(select(OutboxMessage)).all()
    assert sorted(m.openid for m in outbox) == sorted(p.openid for p in people)
    assert all(m.payload["broadcast_id"] == made.id for m in outbox)
    db_session.refresh(made)
    assert made.status == DONE


def test_people_who_sent_tuiding_since_planning_get_nothing(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    subscriber("o-stays")
    quits = subscriber("o-quits")
    made = broadcast()
    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    sub = db_session.scalar(select(Subscription).where(Subscription.person_id == quits.id))
    sub.jobs = False  # what 退订 does: every flag off, the row kept
    db_session.commit()

    _run(db_session, api_settings, made.id, transport)

    rows = ledger(db_session, made.id)
    assert (rows["o-quits"].status, rows["o-quits"].reason) == (SKIPPED, OPTED_OUT)
    assert wechat_standin.delivered_to() == {"o-stays": 1}


def test_cancelling_while_sending_stops_at_the_next_batch(
    db_session, subscriber, broadcast, api_settings, wechat_standin
):
    people = [subscriber(f"o-live{i:02d}") for i in range(40)]
    made = broadcast()
    settings = api_settings.with_overrides(broadcast_workers=1, broadcast_batch=5)

    class CancelsAfterFirst(Transport):
        def send(self, channel, openid, message):
            super().send(channel, openid, message)
            if openid == "o-live00":  # staff press 取消 in the console meanwhile
                session = db.session()
                broadcast_admin.cancel(session, made.id, utcnow())
                session.commit()

    worker = threading.Thread(
        target=lambda: broadcast_send.run(
            db.session(), settings, made.id, transport=CancelsAfterFirst(settings), sleep=no_sleep
        )
    )
    worker.start()
    worker.join(timeout=60)

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    sent = [o for o, r in rows.items() if r.status == SENT]
    assert 1 <= len(sent) <= 10  # the batch on the wire and the one claimed with it
    assert {r.reason for r in rows.values() if r.status == SKIPPED} == {"广播已取消"}
    db_session.refresh(made)
    assert made.status == CANCELLED
    assert made.lease_owner is None


def test_a_broadcast_cancelled_under_a_dead_worker_is_closed_once_its_lease_runs_out(
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin
):
    for i in range(4):
        subscriber(f"o-dead{i}")
    made = broadcast()
    broadcast_ledger.build(db_session, api_settings, made, utcnow())
    first = next(iter(ledger(db_session, made.id).values()))
    first.status = CLAIMED  # the dead worker's last claim
    made.status, made.lease_owner = SENDING, "dead-worker"
    made.lease_until = utcnow() + timedelta(seconds=30)
    db_session.commit()
    assert broadcast_admin.cancel(db_session, made.id, utcnow())
    db_session.commit()

    broadcast_send.dispatch(db_session, api_settings, transport=transport)
    assert {r.status for r in ledger(db_session, made.id).values()} == {CLAIMED, PENDING}

    broadcast_send.dispatch(db_session, api_settings, transport=transport, clock=later(2))
    rows = ledger(db_session, made.id)
    assert (rows[first_openid(rows, first.id)].reason) == INTERRUPTED
    assert sorted(r.status for r in rows.values()) == [FAILED, SKIPPED, SKIPPED, SKIPPED]
    assert wechat_standin.delivered_to() == {}


def first_openid(rows, row_id):
    return next(o for o, r in rows.items() if r.id == row_id)


def test_a_ledger_half_built_when_the_worker_died_is_finished_without_duplicates(  # noqa: PLR0917 - fixtures, passed by name
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin, monkeypatch
):
    people = [subscriber(f"o-half{i:02d}") for i in range(9)]
    made = broadcast()
    monkeypatch.setattr("core.broadcast.segments.CHUNK", 4)

    def die_after_first_chunk():
        raise RuntimeError("killed while building")

    with pytest.raises(RuntimeError):
        broadcast_ledger.build(
            db_session, api_settings, made, utcnow(), between_chunks=die_after_first_chunk
        )
    assert len(ledger(db_session, made.id)) == 4
    assert not made.ledger_ready

    _run(db_session, api_settings, made.id, transport)

    rows = _assert_accounted(db_session, made.id, wechat_standin, people)
    assert {r.status for r in rows.values()} == {SENT}
