"""Sending a broadcast from its ledger: at most one message per person, resumable after a kill.

A run first takes the broadcast's lease (a conditional UPDATE: one worker at a time; an
expired lease means the worker died and may be taken over). Then:
1. the ledger is built if it is not yet (see broadcast_ledger);
2. rows a dead worker left in `sending` are closed as failed "发送中断，未确认送达": their
   message may or may not have left, and sending again could make it two;
3. pending rows are claimed a batch at a time: each batch is marked `sending` and
   committed *before* any of its messages leaves, then sent by a thread pool under the
   token bucket, and the outcomes are written while the next batch is on the wire (two
   batches in flight keep the threads busy; a kill loses at most those two, recorded as
   interrupted); people who unfollowed since planning, or whose 48-hour window closed,
   are skipped at claim time;
4. mass-send rows go last, up to 10,000 openids per call, each person's monthly count
   taken (at most 4) with the claim;
5. with no rows left the broadcast is done; after a 45009 (daily quota) it pauses until
   the next day with the untried rows pending.
Every outcome is written with a conditional UPDATE from `sending`, so a worker that lost
its lease cannot overwrite the one that took over.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.broadcast import claims
from core.broadcast import ledger as broadcast_ledger
from core.broadcast import mass as broadcast_mass
from core.broadcast.claims import CANCELLED_REASON, Claimed
from core.broadcast.delivery import UNCONFIRMED, Message, Outcome, Sending, Transport, transport_for
from core.broadcast.models import (
    CANCELLED,
    CLAIMED,
    DIGEST,
    DONE,
    PENDING,
    SCHEDULED,
    SEG_EVENT,
    SENDING,
    SENT,
    SKIPPED,
    Broadcast,
    BroadcastRecipient,
)
from core.broadcast.plan import MASS_USED_UP, month_key
from core.broadcast.rate_limit import TokenBucket
from core.config import Settings
from core.timeutil import LOCAL_TZ, local_text, utcnow
from core.wechat.links import page_url

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
STOP_HINT = "（回复“退订”不再接收推送）"
QUOTA_RESUME_AT = clock_time(0, 5)  # local time the next day, after WeChat resets quotas


class _LeaseLost(Exception):
    """Another worker took the broadcast over, or staff cancelled it."""


def message_for(settings: Settings, broadcast: Broadcast) -> Message:
    """The text everyone gets; an event broadcast links the event, a digest the job list."""
    url = ""
    if broadcast.segment == SEG_EVENT:
        url = page_url(settings, f"/m/events/{broadcast.segment_value}")
    elif broadcast.kind == DIGEST:
        url = page_url(settings, "/m/jobs")
    return Message(broadcast.title, f"{broadcast.body}\n{STOP_HINT}", url)


def _free(now: datetime):
    """Due, and nobody's lease is running."""
    return (
        Broadcast.status.in_((SCHEDULED, SENDING)),
        Broadcast.send_at <= now,
        or_(Broadcast.lease_until.is_(None), Broadcast.lease_until < now),
    )


def take_lease(session: Session, broadcast_id: int, owner: str, now: datetime) -> bool:
    """Claim a due broadcast for this worker; False if it is not due or someone holds it."""
    result = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, *_free(now))
        .values(status=SENDING, lease_owner=owner, lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return claims.rowcount(result) == 1


def due(session: Session, now: datetime) -> list[int]:
    """Broadcasts to start or resume now."""
    return list(
        session.scalars(
            select(Broadcast.id).where(*_free(now)).order_by(Broadcast.send_at, Broadcast.id)
        )
    )


class Run:
    """One worker's pass over one broadcast."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        broadcast_id: int,
        *,
        transport: Transport | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.settings = settings
        self.id = broadcast_id
        self.clock = clock
        self.owner = uuid.uuid4().hex
        self.transport = transport or transport_for(settings)
        self.sending = Sending(self.transport, TokenBucket(settings.broadcast_rate), sleep=sleep)
        self.quota_hit = False

    def _renew(self) -> None:
        result = self.session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == self.id,
                Broadcast.lease_owner == self.owner,
                Broadcast.status == SENDING,
            )
            .values(lease_until=self.clock() + LEASE)
            .execution_options(synchronize_session=False)
        )
        self.session.commit()
        if claims.rowcount(result) != 1:
            raise _LeaseLost()

    def execute(self) -> bool:
        """Send what is left; False when the broadcast was not ours to send now."""
        if not take_lease(self.session, self.id, self.owner, self.clock()):
            return False
        broadcast = self.session.get(Broadcast, self.id, populate_existing=True)
        assert broadcast is not None
        if broadcast.started_at is None:
            broadcast.started_at = self.clock()
            self.session.commit()
        message = message_for(self.settings, broadcast)
        try:
            if not broadcast.ledger_ready:
                broadcast_ledger.build(
                    self.session, self.settings, broadcast, self.clock(), between_chunks=self._renew
                )
            claims.close_interrupted(self.session, self.id, self.clock())
            self.session.commit()
            self._send_one_by_one(message)
            if not self.quota_hit:
                self._send_mass(message)
        except _LeaseLost:
            self.session.rollback()
            self._after_lease_lost()
            return True
        self._finish()
        return True

    def _write(self, claimed: list[Claimed], outcomes: list[Outcome], message: Message) -> None:
        claims.write(
            self.session,
            self.id,
            claimed,
            outcomes,
            message,
            local=self.transport.local,
            now=self.clock(),
        )

    # -- one message per person ------------------------------------------------------------
    def _send_one_by_one(self, message: Message) -> None:
        """Two batches in flight: one on the wire while the other's outcomes are written."""
        sending = self.sending
        inflight: tuple[list[Claimed], list[Future[Outcome]]] | None = None
        lost = False
        workers = max(1, self.settings.broadcast_workers)
        with ThreadPoolExecutor(workers, thread_name_prefix="broadcast") as pool:
            while True:
                claimed, more = (
                    ([], False)
                    if sending.stop.is_set()
                    else claims.claim_batch(self.session, self.settings, self.id, self.clock())
                )
                futures = [pool.submit(sending.one, c.channel, c.openid, message) for c in claimed]
                if inflight is not None:
                    self._write(inflight[0], [f.result() for f in inflight[1]], message)
                    try:
                        self._renew()
                    except _LeaseLost:
                        sending.stop.set()  # untried messages go back to pending
                        lost = True
                inflight = (claimed, futures) if claimed else None
                if inflight is None and not more:
                    break
        self.quota_hit = sending.stop.is_set() and not lost
        if lost:
            raise _LeaseLost()

    # -- mass send -----------------------------------------------------------------------
    def _send_mass(self, message: Message) -> None:
        """Up to 10,000 openids a call; each person's monthly count taken with the claim."""
        while not self.quota_hit:
            rows = claims.pending(self.session, self.id, mass=True, limit=broadcast_mass.MASS_CHUNK)
            if not rows:
                return
            now = self.clock()
            month = month_key(now)
            claimed = self._claim_mass(rows, now, month)
            self.session.commit()
            if not claimed:
                continue
            if len(claimed) == 1:  # the others had used up their month meanwhile
                outcome = Outcome(SKIPPED, broadcast_mass.MASS_ALONE)
            else:
                outcome = self.sending.many([c.openid for c in claimed], message)
            if outcome.status != SENT and outcome.reason != UNCONFIRMED:
                broadcast_mass.give_back(self.session, [c.person_id for c in claimed], month)
            self._write(claimed, [outcome] * len(claimed), message)
            self.quota_hit = self.sending.stop.is_set()
            self._renew()

    def _claim_mass(
        self, rows: list[claims.PendingRow], now: datetime, month: str
    ) -> list[Claimed]:
        """Claim the rows a mass send can go to now, taking each person's monthly count.

        Apart from `_send_mass` so that its loop reads claim, send, record. The others are
        skipped with the reason: not reachable now, their month used up, or left alone (a
        mass send needs two people).
        """
        reachable = []
        for row in rows:
            reason = claims.skip_reason(row, now)
            if reason:
                claims.mark(self.session, [row.row_id], SKIPPED, reason, now)
            else:
                reachable.append(row)
        if len(reachable) == 1:
            claims.mark(
                self.session, [reachable[0].row_id], SKIPPED, broadcast_mass.MASS_ALONE, now
            )
            reachable = []
        claimed: list[Claimed] = []
        for row in reachable:
            if broadcast_mass.take(self.session, row.person_id, month):
                claimed.append(Claimed(row.row_id, row.person_id, row.openid, row.channel))
            else:
                claims.mark(self.session, [row.row_id], SKIPPED, MASS_USED_UP, now)
        claims.mark(self.session, [c.row_id for c in claimed], CLAIMED, "", now)
        return claimed

    # -- the end of a run ------------------------------------------------------------------
    def _left(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    BroadcastRecipient.broadcast_id == self.id,
                    BroadcastRecipient.status.in_((PENDING, CLAIMED)),
                )
            )
            or 0
        )

    def _release(self, **values: object) -> None:
        self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == self.id, Broadcast.lease_owner == self.owner)
            .values(lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        self.session.commit()

    def _finish(self) -> None:
        now = self.clock()
        left = self._left()
        if self.quota_hit and left:
            tomorrow = now.astimezone(LOCAL_TZ).date() + timedelta(days=1)
            resume = datetime.combine(tomorrow, QUOTA_RESUME_AT, tzinfo=LOCAL_TZ)
            note = (
                f"今日微信接口额度已用完（45009），剩余 {left} 人"
                f"将于 {local_text(resume)} 继续发送。"
            )
            self._release(send_at=resume, note=note)
            log.warning("broadcast %s paused by the daily quota; %d left", self.id, left)
        elif left:
            self._release()  # not expected: the next dispatch picks the rest up
        else:
            self._release(status=DONE, finished_at=now, note="")
            log.info("broadcast %s done", self.id)

    def _after_lease_lost(self) -> None:
        """Cancelled by staff: nothing more goes out, what was pending is skipped."""
        broadcast = self.session.get(Broadcast, self.id, populate_existing=True)
        if broadcast is None or broadcast.status != CANCELLED:
            log.warning("broadcast %s: lease lost to another worker", self.id)
            return
        claims.skip_pending(self.session, self.id, CANCELLED_REASON, self.clock())
        self._release()


def run(
    session: Session,
    settings: Settings,
    broadcast_id: int,
    *,
    transport: Transport | None = None,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Send (or resume) one broadcast if it is due and free; True if this worker ran it."""
    worker = Run(session, settings, broadcast_id, transport=transport, clock=clock, sleep=sleep)
    return worker.execute()


def tidy_cancelled(session: Session, now: datetime) -> None:
    """Close the ledger of broadcasts cancelled while a worker that has since died held them.

    A live worker does this itself at its next batch; a dead one never will, so once its
    lease has run out its rows are closed here: mid-send as interrupted, pending as skipped.
    """
    stale = list(
        session.scalars(
            select(Broadcast.id).where(
                Broadcast.status == CANCELLED,
                Broadcast.lease_until.is_not(None),
                Broadcast.lease_until < now,
            )
        )
    )
    for broadcast_id in stale:
        claims.close_interrupted(session, broadcast_id, now)
        claims.skip_pending(session, broadcast_id, CANCELLED_REASON, now)
        session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.lease_until < now)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def dispatch(
    session: Session,
    settings: Settings,
    *,
    transport: Transport | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[int]:
    """Start every due broadcast and resume every one whose worker died; the ids run."""
    tidy_cancelled(session, clock())
    ran: list[int] = []
    for broadcast_id in due(session, clock()):
        session.commit()
        try:
            if run(session, settings, broadcast_id, transport=transport, clock=clock):
                ran.append(broadcast_id)
        except Exception:
            session.rollback()
            log.exception("broadcast %s failed; its lease expires and it is resumed", broadcast_id)
    return ran
