"""Booking reminders: one the day before a visit, one shortly before it, each at most once.

The scheduler runs this every few minutes, and a deployment may briefly run two scheduler
processes (a rolling restart) or restart in the middle of a run. So a reminder is first
*claimed* with a conditional UPDATE (`reminded_…_at IS NULL AND status = 'active'`; one
row changed means the reminder is ours) and the claim is committed before anything is
sent. A crash between the claim and the push loses that reminder rather than sending it
twice: a missed reminder costs less than a person getting the same notice twice.

Which reminders are owed:
- the day before: the slot starts more than 2 h and at most 24 h from now, on the next
  calendar day (the notice says 明天; after a scheduler outage the same-day visit gets the
  2-hour reminder only), and the person booked before the 24-hour point — someone who
  booked within the last day has just had the confirmation, so only the 2-hour one follows;
- shortly before: the slot starts within 2 h and has not started, and the booking was made
  before the 2-hour point (same reason).
Only active bookings qualify, so cancelled ones, and the old half of a rescheduled booking
(cancelled by `reschedule`), get nothing; the new booking has its own reminder columns.

Unlike most services this one commits: the claim must be durable before the push leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.booking.models import ACTIVE, Booking, BookingSlot
from core.config import Settings
from core.timeutil import LOCAL_TZ
from core.wechat import notify

log = logging.getLogger(__name__)

REMINDER_DAY = "reminder_day"
REMINDER_SOON = "reminder_soon"
DAY_LEAD = timedelta(hours=24)
SOON_LEAD = timedelta(hours=2)
# Soon first: if a run is slow, the more urgent notice should not wait behind the other.
KINDS = (REMINDER_SOON, REMINDER_DAY)


@dataclass(frozen=True)
class Outcome:
    booking_id: int
    code: str
    kind: str
    result: str  # the channel ("template", "custom", "outbox") or "refused: …" / "failed: …"


def _column(kind: str) -> InstrumentedAttribute[datetime | None]:
    if kind == REMINDER_DAY:
        return Booking.reminded_day_before_at
    if kind == REMINDER_SOON:
        return Booking.reminded_soon_at
    raise ValueError(f"unknown reminder kind: {kind}")


def _next_local_midnight(now: datetime) -> datetime:
    tomorrow = now.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=LOCAL_TZ)


def due(session: Session, kind: str, now: datetime) -> list[int]:
    """Ids of the active bookings owed `kind` at `now`, earliest visit first."""
    column = _column(kind)
    if kind == REMINDER_DAY:
        lead = DAY_LEAD
        after = max(now + SOON_LEAD, _next_local_midnight(now))
    else:
        lead = SOON_LEAD
        after = now
    rows = session.execute(
        select(Booking.id, Booking.created_at, BookingSlot.starts_at)
        .join(BookingSlot, Booking.slot_id == BookingSlot.id)
        .where(
            Booking.status == ACTIVE,
            column.is_(None),
            BookingSlot.starts_at > after,
            BookingSlot.starts_at <= now + lead,
        )
        .order_by(BookingSlot.starts_at, Booking.id)
    )
    # Booked after the reminder fell due: the confirmation already told them.
    return [booking_id for booking_id, created, starts in rows if created <= starts - lead]


def claim(session: Session, booking_id: int, kind: str, now: datetime) -> bool:
    """Mark the reminder as sent unless someone did already; True if this caller won."""
    column = _column(kind)
    result = session.execute(
        update(Booking)
        .where(Booking.id == booking_id, column.is_(None), Booking.status == ACTIVE)
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def _remind(
    session: Session, settings: Settings, booking_id: int, kind: str, now: datetime
) -> Outcome | None:
    try:
        won = claim(session, booking_id, kind, now)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception(
            "could not claim %s for booking id %s; next run tries again", kind, booking_id
        )
        return None
    if not won:
        log.debug("%s for booking id %s already claimed elsewhere", kind, booking_id)
        return None
    booking = session.get(Booking, booking_id, populate_existing=True)
    if booking is None:  # deleted since the claim (its station was removed)
        return None
    code = booking.code
    try:
        result = notify.notify_booking(session, settings, booking, kind)
        session.commit()
    except Exception as exc:
        # One broken booking must not stop the others; the claim stays (at most once).
        session.rollback()
        log.exception("%s for booking %s failed after its claim; not retried", kind, code)
        result = f"failed: {type(exc).__name__}"
    # Refusals are WeChat's rules at work (unsubscribed, outside the 48 h window): info.
    level = logging.WARNING if result.startswith("failed") else logging.INFO
    log.log(level, "%s for booking %s (booking id %s): %s", kind, code, booking_id, result)
    return Outcome(booking_id, code, kind, result)


def send_due(session: Session, settings: Settings, now: datetime) -> list[Outcome]:
    """Claim and send every reminder owed at `now`; commits as it goes."""
    outcomes: list[Outcome] = []
    for kind in KINDS:
        ids = due(session, kind, now)
        session.commit()  # end the read before claiming, each claim in its own transaction
        for booking_id in ids:
            outcome = _remind(session, settings, booking_id, kind, now)
            if outcome is not None:
                outcomes.append(outcome)
    if outcomes:
        sent = sum(not o.result.startswith(("refused", "failed")) for o in outcomes)
        log.info("booking reminders: %d claimed, %d delivered", len(outcomes), sent)
    return outcomes
