"""The ledger rows' moves: pending → sending (claimed, committed before the call) → final.

Every move is a conditional UPDATE from the state it expects, so a worker that lost its
lease cannot overwrite the one that took over, and a row is claimed once at most. The
checks made at claim time — still following, not opted out, still inside the 48-hour
window, a consent use left — catch what changed since the ledger was planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.broadcast.delivery import Message, Outcome
from core.broadcast.models import (
    CLAIMED,
    CUSTOM,
    FAILED,
    MASS,
    PENDING,
    SENT,
    SKIPPED,
    TEMPLATE,
    BroadcastRecipient,
    MessageConsent,
)
from core.config import Settings
from core.jobs.models import Subscription
from core.people.models import Person, window_open
from core.wechat.models import OutboxMessage

INTERRUPTED = "发送中断，未确认送达"
UNFOLLOWED = "已取消关注公众号"
OPTED_OUT = "已退订"
WINDOW_CLOSED = "计划发送后已超出48小时客服消息时限"
CONSENT_USED = "模板或订阅消息的授权已用完"
CANCELLED_REASON = "广播已取消"

_TABLE = cast(Table, BroadcastRecipient.__table__)
_WRITE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == CLAIMED)
    .values(
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        errcode=bindparam("b_errcode"),
        attempts=_TABLE.c.attempts + bindparam("b_attempts"),
        updated_at=bindparam("b_now"),
        sent_at=bindparam("b_sent_at"),
    )
)


@dataclass(frozen=True)
class Claimed:
    row_id: int
    person_id: int
    openid: str
    channel: str


class PendingRow(NamedTuple):
    row_id: int
    person_id: int
    channel: str
    openid: str
    subscribed: bool
    last_message_at: datetime | None
    opted_out: bool  # has a subscription row with nothing on: sent 退订 since planning


def rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def pending(session: Session, broadcast_id: int, *, mass: bool, limit: int) -> list[PendingRow]:
    """The next pending rows of one kind (mass or one-by-one), oldest first."""
    chose_any = or_(
        Subscription.jobs, Subscription.events, Subscription.policy_news, Subscription.digest
    )
    query = (
        select(
            BroadcastRecipient.id,
            BroadcastRecipient.person_id,
            BroadcastRecipient.channel,
            Person.openid,
            Person.subscribed,
            Person.last_message_at,
            Subscription.id.is_not(None) & ~chose_any,
        )
        .join(Person, Person.id == BroadcastRecipient.person_id)
        .outerjoin(Subscription, Subscription.person_id == Person.id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == PENDING
        )
        .where(BroadcastRecipient.channel == MASS if mass else BroadcastRecipient.channel != MASS)
        .order_by(BroadcastRecipient.id)
        .limit(limit)
    )
    return [PendingRow(*row[:6], bool(row[6])) for row in session.execute(query)]


def mark(session: Session, ids: list[int], status: str, reason: str, now: datetime) -> None:
    """Move pending rows (only those still pending) to `status`."""
    if ids:
        session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.id.in_(ids), BroadcastRecipient.status == PENDING)
            .values(status=status, reason=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def close_interrupted(session: Session, broadcast_id: int, now: datetime) -> None:
    """Rows a dead worker left mid-send: their message may have left, so never again."""
    _move_all(session, broadcast_id, CLAIMED, FAILED, INTERRUPTED, now)


def skip_pending(session: Session, broadcast_id: int, reason: str, now: datetime) -> None:
    _move_all(session, broadcast_id, PENDING, SKIPPED, reason, now)


def _move_all(
    session: Session, broadcast_id: int, old: str, new: str, reason: str, now: datetime
) -> None:
    session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == old)
        .values(status=new, reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def skip_reason(row: PendingRow, now: datetime) -> str:
    """Why the row must not be sent now, or "" (consents are checked separately)."""
    if not row.subscribed:
        return UNFOLLOWED
    if row.opted_out:
        return OPTED_OUT
    if row.channel == CUSTOM and not window_open(row.last_message_at, now):
        return WINDOW_CLOSED
    return ""


def use_consent(session: Session, settings: Settings, person_id: int, channel: str) -> bool:
    """Take one use of the person's consent to the broadcast template; False if none is left."""
    template = (
        settings.wechat_template_broadcast
        if channel == TEMPLATE
        else settings.wechat_subscribe_template_broadcast
    )
    mine = (
        MessageConsent.person_id == person_id,
        MessageConsent.kind == channel,
        MessageConsent.template_id == template,
    )
    if session.scalar(select(func.count()).where(*mine, MessageConsent.remaining.is_(None))):
        return True
    result = session.execute(
        update(MessageConsent)
        .where(*mine, MessageConsent.remaining > 0)
        .values(remaining=MessageConsent.remaining - 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def claim_batch(
    session: Session, settings: Settings, broadcast_id: int, now: datetime
) -> tuple[list[Claimed], bool]:
    """Mark the next batch `sending` and commit; (claimed rows, whether any rows were left)."""
    rows = pending(session, broadcast_id, mass=False, limit=settings.broadcast_batch)
    claimed: list[Claimed] = []
    skips: dict[str, list[int]] = {}
    for row in rows:
        reason = skip_reason(row, now)
        if not reason and row.channel != CUSTOM:
            reason = (
                "" if use_consent(session, settings, row.person_id, row.channel) else CONSENT_USED
            )
        if reason:
            skips.setdefault(reason, []).append(row.row_id)
        else:
            claimed.append(Claimed(row.row_id, row.person_id, row.openid, row.channel))
    for reason, ids in skips.items():
        mark(session, ids, SKIPPED, reason, now)
    mark(session, [c.row_id for c in claimed], CLAIMED, "", now)
    session.commit()
    return claimed, bool(rows)


def write(
    session: Session,
    broadcast_id: int,
    claimed: list[Claimed],
    outcomes: list[Outcome],
    message: Message,
    *,
    local: bool,
    now: datetime,
) -> None:
    """Record the outcomes (untried ones go back to pending); in embedded mode the outbox
    rows are written in the same transaction, so "sent" and the message are one fact."""
    pairs = list(zip(claimed, outcomes, strict=True))
    if pairs:
        session.execute(
            _WRITE,
            [
                {
                    "b_id": c.row_id,
                    "b_status": o.status,
                    "b_reason": o.reason,
                    "b_errcode": o.errcode,
                    "b_attempts": o.attempts,
                    "b_now": now,
                    "b_sent_at": now if o.status == SENT else None,
                }
                for c, o in pairs
            ],
        )
    outbox = [
        {
            "openid": c.openid,
            "kind": "text",
            "content": message.text,
            "payload": {"broadcast_id": broadcast_id, "channel": c.channel},
            "created_at": now,
        }
        for c, o in pairs
        if local and o.status == SENT
    ]
    if outbox:
        session.execute(insert(OutboxMessage), outbox)
    session.commit()
