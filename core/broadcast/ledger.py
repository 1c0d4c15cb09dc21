"""The per-recipient ledger: built once per broadcast, then read for progress and the report.

Building is resumable: chunks of people in ascending id, each committed on its own, and
`ledger_ready` set after the last. A sender killed while building continues above the
last person added; the unique (broadcast, person) constraint stands behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.broadcast import plan as broadcast_plan
from core.broadcast.models import (
    CLAIMED,
    FAILED,
    NONE,
    PENDING,
    SENT,
    SKIPPED,
    Broadcast,
    BroadcastRecipient,
)
from core.broadcast.segments import Segment, person_chunks
from core.config import Settings


def build(
    session: Session,
    settings: Settings,
    broadcast: Broadcast,
    now: datetime,
    *,
    between_chunks: Callable[[], None] = lambda: None,
) -> None:
    """Add every person of the segment with their channel; commits a chunk at a time.

    Chunks go in ascending person id and each is committed whole, so after a crash the
    build continues above the highest person already in the ledger.
    """
    segment = Segment(broadcast.segment, broadcast.segment_value)
    done = session.scalar(
        select(func.max(BroadcastRecipient.person_id)).where(
            BroadcastRecipient.broadcast_id == broadcast.id
        )
    )
    for ids in person_chunks(session, segment, after=done or 0):
        rows = []
        for facts in broadcast_plan.facts_for(session, settings, ids, now):
            channel, reason = broadcast_plan.choose(facts, use_mass=broadcast.use_mass, now=now)
            rows.append(
                {
                    "broadcast_id": broadcast.id,
                    "person_id": facts.person_id,
                    "channel": channel,
                    "status": SKIPPED if channel == NONE else PENDING,
                    "reason": reason,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(BroadcastRecipient), rows)
        session.commit()
        between_chunks()
    broadcast.ledger_ready = True
    session.commit()


@dataclass
class Report:
    total: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failed: Counter[tuple[int | None, str]] = field(default_factory=Counter)  # (code, reason)
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    channels: Counter[str] = field(default_factory=Counter)  # of the sent

    @property
    def done(self) -> int:
        return self.total - self.statuses[PENDING] - self.statuses[CLAIMED]

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    def as_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "done": self.done,
            "percent": self.percent,
            "sent": self.statuses[SENT],
            "failed": self.statuses[FAILED],
            "skipped": self.statuses[SKIPPED],
            "pending": self.statuses[PENDING] + self.statuses[CLAIMED],
        }


def report(session: Session, broadcast_id: int) -> Report:
    """Counts by status, failures by code and reason, skips by reason, sends by channel."""
    result = Report()
    rows = session.execute(
        select(
            BroadcastRecipient.status,
            BroadcastRecipient.channel,
            BroadcastRecipient.errcode,
            BroadcastRecipient.reason,
            func.count(),
        )
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(
            BroadcastRecipient.status,
            BroadcastRecipient.channel,
            BroadcastRecipient.errcode,
            BroadcastRecipient.reason,
        )
    )
    for status, channel, errcode, reason, n in rows:
        result.total += n
        result.statuses[status] += n
        if status == FAILED:
            result.failed[(errcode, reason)] += n
        elif status == SKIPPED:
            result.skipped[reason] += n
        elif status == SENT:
            result.channels[channel] += n
    return result
