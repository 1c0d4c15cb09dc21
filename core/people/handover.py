"""Requests to talk to a person (`人工`) and staff replies to them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.config import Settings
from core.people.models import ANSWERED, CLOSED, OPEN, HandoverRequest, Person
from core.staff.models import StaffUser
from core.timeutil import utcnow
from core.wechat import outbound


def open_request_for(session: Session, person: Person) -> HandoverRequest | None:
    return session.scalar(
        select(HandoverRequest)
        .where(HandoverRequest.person_id == person.id, HandoverRequest.status == OPEN)
        .limit(1)
    )


def request_person(session: Session, person: Person, note: str) -> tuple[HandoverRequest, bool]:
    """One open request per person: asking again adds to the note instead of queueing twice."""
    existing = open_request_for(session, person)
    if existing is not None:
        add_to_request(existing, note)
        return existing, False
    request = HandoverRequest(person=person, note=note[:NOTE_MAX_CHARS])
    session.add(request)
    session.flush()
    return request, True


NOTE_MAX_CHARS = 2000


def add_to_request(request: HandoverRequest, text: str) -> None:
    """More from the person, kept with the request staff will read (the latest if long)."""
    if text:
        request.note = (request.note + "\n" + text).strip()[-NOTE_MAX_CHARS:]


def still_open(session: Session, request_id: int, person: Person) -> HandoverRequest | None:
    """The person's own request, if staff have not answered or closed it yet."""
    request = session.get(HandoverRequest, request_id)
    if request is None or request.person_id != person.id or request.status != OPEN:
        return None
    return request


def list_requests(
    session: Session, status: str | None = OPEN, limit: int = 100
) -> list[HandoverRequest]:
    query = (
        select(HandoverRequest)
        .options(selectinload(HandoverRequest.person), selectinload(HandoverRequest.answered_by))
        .order_by(HandoverRequest.created_at.desc())
        .limit(limit)
    )
    if status:
        query = query.where(HandoverRequest.status == status)
    return list(session.scalars(query))


def count_open(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(HandoverRequest).where(HandoverRequest.status == OPEN)
        )
        or 0
    )


def reply(
    session: Session, settings: Settings, request: HandoverRequest, staff: StaffUser, text: str
) -> None:
    """Send staff's answer as a customer-service message; DeliveryRefused says why not."""
    outbound.send_text(session, settings, request.person, text, handler="console.inbox")
    request.status = ANSWERED
    request.answered_at = utcnow()
    request.answered_by = staff


def close(request: HandoverRequest, staff: StaffUser) -> None:
    request.status = CLOSED
    request.answered_by = request.answered_by or staff
    request.answered_at = request.answered_at or utcnow()
