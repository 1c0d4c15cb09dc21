"""A sender killed mid-broadcast (a real process ended by os._exit), then resumed:
nobody gets the broadcast twice, every row is accounted for, the rest are delivered."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from core.broadcast import ledger as broadcast_ledger
from core.broadcast import send as broadcast_send
from core.broadcast.claims import INTERRUPTED
from core.broadcast.models import CLAIMED, DONE, FAILED, PENDING, SENDING, SENT, SKIPPED
from core.config import PROJECT_ROOT
from core.timeutil import utcnow
from tests.broadcast.conftest import ledger, no_sleep


def test_kill_then_resume_sends_nobody_twice(  # noqa: PLR0917 - fixtures, passed by name
    db_session, subscriber, broadcast, api_settings, transport, wechat_standin, base_settings
):
    people = [subscriber(f"o-k{i:03d}") for i in range(60)]
    wechat_standin.latency = 0.01
    made = broadcast()

    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.broadcast.killer",
            base_settings.sqlalchemy_url,
            wechat_standin.base_url,
            str(made.id),
            "25",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]

    # What the kill left: some sent, a batch or two mid-send, the rest pending.
    after_kill = ledger(db_session, made.id)
    statuses = {r.status for r in after_kill.values()}
    assert CLAIMED in statuses
    assert PENDING in statuses
    db_session.refresh(made)
    assert made.status == SENDING
    assert made.lease_until > utcnow()
    assert broadcast_send.dispatch(db_session, api_settings, transport=transport) == []

    # Once the dead worker's lease has run out, the dispatcher resumes from the ledger.
    def after_lease() -> object:
        return utcnow() + broadcast_send.LEASE + timedelta(seconds=5)

    resumed = broadcast_send.run(
        db_session, api_settings, made.id, transport=transport, clock=after_lease, sleep=no_sleep
    )
    assert resumed

    rows = ledger(db_session, made.id)
    assert len(rows) == len(people)
    assert all(r.status in (SENT, FAILED, SKIPPED) for r in rows.values())
    delivered = wechat_standin.delivered_to()
    assert max(delivered.values()) == 1  # nobody twice
    sent = {o for o, r in rows.items() if r.status == SENT}
    interrupted = {o for o, r in rows.items() if r.reason == INTERRUPTED}
    assert sent <= set(delivered)
    # Delivered but unconfirmed (the kill came before the write) shows as interrupted.
    assert set(delivered) - sent <= interrupted
    assert set(delivered) | interrupted == set(rows)  # everyone else got it after the resume
    assert len(interrupted) <= 2 * 10  # at most the two batches (of 10) in flight
    report = broadcast_ledger.report(db_session, made.id)
    assert report.statuses[SENT] + report.statuses[FAILED] == report.total == 60
    db_session.refresh(made)
    assert made.status == DONE
