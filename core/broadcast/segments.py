"""Who a broadcast reaches: all subscribers, a subscription category, a town, an event's sign-ups.

Everyone in a segment follows the account (`Person.subscribed`) and chose something: a
person who unfollowed, never chose, or sent `退订` is in no segment. Recipients are read
in id order, a chunk at a time (keyset pagination), so memory stays flat however many
there are and the caller may commit between chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.booking.models import TOWNS
from core.broadcast.models import SEG_ALL, SEG_CATEGORY, SEG_EVENT, SEG_TOWN, SEGMENT_LABELS
from core.jobs.models import (
    CATEGORY_LABELS,
    EVENTS,
    JOBS,
    POLICY_NEWS,
    SCHEDULED,
    SIGNED_UP,
    Event,
    EventSignup,
    Subscription,
)
from core.people.models import Person

CHUNK = 500


class SegmentError(ValueError):
    """The segment cannot be used; the message is Chinese, for staff."""


@dataclass(frozen=True)
class Segment:
    kind: str
    value: str = ""


def validate(session: Session, kind: str, value: str) -> Segment:
    """The segment staff picked, checked; raises SegmentError with what to fix."""
    value = (value or "").strip()
    if kind == SEG_ALL:
        return Segment(SEG_ALL)
    if kind == SEG_CATEGORY:
        if value not in CATEGORY_LABELS:
            raise SegmentError("请选择订阅类别。")
        return Segment(kind, value)
    if kind == SEG_TOWN:
        if value not in TOWNS:
            raise SegmentError("请选择街镇。")
        return Segment(kind, value)
    if kind == SEG_EVENT:
        event = session.get(Event, int(value)) if value.isdigit() else None
        if event is None:
            raise SegmentError("请选择活动。")
        if event.status != SCHEDULED:
            raise SegmentError("该活动已取消，不能再按报名名单发送。")
        return Segment(kind, value)
    raise SegmentError("请选择发送对象。")


def describe(session: Session, segment: Segment) -> str:
    """The segment in staff's words, for the preview, the history and the report."""
    label = SEGMENT_LABELS.get(segment.kind, segment.kind)
    if segment.kind == SEG_CATEGORY:
        return f"{label}：{CATEGORY_LABELS.get(segment.value, segment.value)}"
    if segment.kind == SEG_TOWN:
        return f"{label}：{segment.value}"
    if segment.kind == SEG_EVENT:
        event = session.get(Event, int(segment.value)) if segment.value.isdigit() else None
        return f"{label}：{event.title if event else '（活动已删除）'}"
    return label


def _query(segment: Segment) -> Any:  # a Select of (person id, towns)
    chose_any = or_(
        Subscription.jobs, Subscription.events, Subscription.policy_news, Subscription.digest
    )
    if segment.kind == SEG_EVENT:
        # Signing up is a choice; only an explicit 退订 (a row with nothing on) opts out.
        return (
            select(Person.id, Subscription.towns)
            .join(EventSignup, EventSignup.person_id == Person.id)
            .outerjoin(Subscription, Subscription.person_id == Person.id)
            .where(
                EventSignup.event_id == int(segment.value),
                EventSignup.status == SIGNED_UP,
                or_(Subscription.id.is_(None), chose_any),
            )
        )
    query = select(Person.id, Subscription.towns).join(
        Subscription, Subscription.person_id == Person.id
    )
    if segment.kind == SEG_ALL:
        return query.where(chose_any)
    if segment.kind == SEG_CATEGORY:
        column = {
            JOBS: Subscription.jobs,
            EVENTS: Subscription.events,
            POLICY_NEWS: Subscription.policy_news,
        }[segment.value]
        return query.where(column)
    if segment.kind == SEG_TOWN:
        return query.where(or_(Subscription.jobs, Subscription.events))
    raise SegmentError("请选择发送对象。")


def _in_town(towns: list[str] | None, town: str) -> bool:
    """Empty towns mean "any town" (the subscription's meaning); JSON is filtered here."""
    return not towns or town in towns


def person_chunks(
    session: Session, segment: Segment, chunk: int | None = None, *, after: int = 0
) -> Iterator[list[int]]:
    """Person ids above `after` in the segment, ascending, `chunk` at a time; never
    unfollowed people."""
    query = _query(segment).where(Person.subscribed.is_(True)).order_by(Person.id)
    size = chunk or CHUNK
    last = after
    while True:
        rows: list[tuple[int, list[str] | None]] = [
            (int(pid), towns)
            for pid, towns in session.execute(query.where(Person.id > last).limit(size))
        ]
        if not rows:
            return
        last = rows[-1][0]
        ids = [
            pid for pid, towns in rows if segment.kind != SEG_TOWN or _in_town(towns, segment.value)
        ]
        if ids:
            yield ids


def count(session: Session, segment: Segment) -> int:
    return sum(len(ids) for ids in person_chunks(session, segment))
