"""Staff's side of broadcasts: checking a draft, scheduling it, cancelling, the history.

The console's form only parses; every rule (a known segment, a time in the future, no
empty text) is here, so the console and any later caller agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.broadcast.claims import CANCELLED_REASON, skip_pending
from core.broadcast.models import BROADCAST_KINDS, CANCELLED, SCHEDULED, SENDING, Broadcast
from core.broadcast.segments import Segment, validate
from core.timeutil import LOCAL_TZ

TITLE_MAX = 40
BODY_MAX = 500
LATEST = timedelta(days=60)


class DraftError(ValueError):
    """What is wrong with a draft, in Chinese; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    kind: str
    segment: Segment
    use_mass: bool
    send_at: datetime | None  # None: now


def check(  # noqa: PLR0913 - one keyword-only argument per field of the form, named as there
    session: Session,
    *,
    title: str,
    body: str,
    kind: str,
    segment_kind: str,
    segment_value: str,
    use_mass: bool,
    send_at: datetime | None,
    now: datetime,
) -> Draft:
    """The draft, checked; raises DraftError naming the field to fix."""
    title, body = title.strip(), body.strip()
    if not title:
        raise DraftError("title", "请填写标题。")
    if len(title) > TITLE_MAX:
        raise DraftError("title", f"标题不超过{TITLE_MAX}个字。")
    if not body:
        raise DraftError("body", "请填写内容。")
    if len(body) > BODY_MAX:
        raise DraftError("body", f"内容不超过{BODY_MAX}个字（微信消息有长度限制）。")
    if kind not in BROADCAST_KINDS:
        raise DraftError("kind", "请选择类型。")
    try:
        segment = validate(session, segment_kind, segment_value)
    except ValueError as exc:
        raise DraftError("segment", str(exc)) from exc
    if send_at is not None:
        if send_at.tzinfo is None:
            send_at = send_at.replace(tzinfo=LOCAL_TZ)
        if send_at <= now:
            raise DraftError("send_at", "定时发送的时间须晚于现在。")
        if send_at > now + LATEST:
            raise DraftError("send_at", "定时发送最多提前60天。")
    return Draft(title, body, kind, segment, use_mass, send_at)


def schedule(session: Session, draft: Draft, staff_id: int | None, now: datetime) -> Broadcast:
    """Save the broadcast; the dispatcher sends it when due (at once for "send now")."""
    broadcast = Broadcast(
        title=draft.title,
        body=draft.body,
        kind=draft.kind,
        segment=draft.segment.kind,
        segment_value=draft.segment.value,
        use_mass=draft.use_mass,
        status=SCHEDULED,
        send_at=draft.send_at or now,
        created_by_id=staff_id,
        created_at=now,
    )
    session.add(broadcast)
    session.flush()
    return broadcast


def cancel(session: Session, broadcast_id: int, now: datetime) -> bool:
    """Stop a broadcast not yet finished; a running worker sees it at its next batch.

    Rows still pending are skipped here when no worker holds the lease (a paused one);
    otherwise the worker does it, so nothing it has claimed is touched under it.
    """
    result = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_((SCHEDULED, SENDING)))
        .values(status=CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    broadcast = session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is not None and (broadcast.lease_until is None or broadcast.lease_until < now):
        skip_pending(session, broadcast_id, CANCELLED_REASON, now)
    return True


def history(session: Session, limit: int = 100) -> list[Broadcast]:
    return list(
        session.scalars(select(Broadcast).order_by(Broadcast.created_at.desc()).limit(limit))
    )
