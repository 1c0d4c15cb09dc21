"""Requests to talk to a person (`人工`) and staff replies to them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, func, select
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


def _scope(viewer: StaffUser | None) -> ColumnElement[bool] | None:
    """Which requests `viewer` may see: all for district admins (and for None, the
    system itself); for station staff only those of people who booked at their station.

    A person belongs to a station through their bookings there, the one link between
    people and stations the data holds; staff without a station see none.
    """
    if viewer is None or viewer.is_admin:
        return None
    if viewer.station_id is None:
        return false()
    from core.booking.models import Booking

    booked_here = select(Booking.person_id).where(Booking.station_id == viewer.station_id)
    return HandoverRequest.person_id.in_(booked_here)


def visible_to(session: Session, request: HandoverRequest, viewer: StaffUser) -> bool:
    """Whether `viewer` may open this request (another station's is "not found")."""
    scope = _scope(viewer)
    if scope is None:
        return True
    query = select(HandoverRequest.id).where(HandoverRequest.id == request.id, scope)
    return session.scalar(query) is not None


def list_requests(
    session: Session,
    status: str | None = OPEN,
    limit: int = 100,
    viewer: StaffUser | None = None,
) -> list[HandoverRequest]:
    query = (
        select(HandoverRequest)
        .options(selectinload(HandoverRequest.person), selectinload(HandoverRequest.answered_by))
        .order_by(HandoverRequest.created_at.desc())
        .limit(limit)
    )
    if status:
        query = query.where(HandoverRequest.status == status)
    scope = _scope(viewer)
    if scope is not None:
        query = query.where(scope)
    return list(session.scalars(query))


def count_open(session: Session, viewer: StaffUser | None = None) -> int:
    query = select(func.count()).select_from(HandoverRequest).where(HandoverRequest.status == OPEN)
    scope = _scope(viewer)
    if scope is not None:
        query = query.where(scope)
    return session.scalar(query) or 0


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
