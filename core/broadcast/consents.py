"""Consent to subscribe messages, as WeChat reports it: one use per "accept".

A person accepts a subscribe-message template in WeChat's pop-up (or changes it later
in the account's settings); WeChat then posts `subscribe_msg_popup_event` /
`subscribe_msg_change_event` to the callback. Each accept of a one-time subscription
allows one message, so it adds one use to `MessageConsent.remaining` (a long-term
consent, `remaining` None, stays unlimited); a reject withdraws the consent entirely.
The broadcast planner (`broadcast_plan`) reads these rows and the sender spends a use.
The gateway's exactly-once handling makes sure one event counts once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from core.broadcast.models import SUBSCRIBE, MessageConsent
from core.people.models import Person

MAX_USES = 100  # WeChat caps what it keeps too; a runaway count helps no one


def record(session: Session, person: Person, changes: Iterable[tuple[str, str]]) -> int:
    """Apply (template id, "accept" / "reject") decisions; returns how many were applied."""
    applied = 0
    for template_id, status in changes:
        if status == "accept":
            _accept(session, person, template_id[:64])
        elif status == "reject":
            _withdraw(session, person, template_id[:64])
        else:
            continue
        applied += 1
    return applied


def _mine(person: Person, template_id: str) -> tuple[ColumnElement[bool], ...]:
    return (
        MessageConsent.person_id == person.id,
        MessageConsent.kind == SUBSCRIBE,
        MessageConsent.template_id == template_id,
    )


def _accept(session: Session, person: Person, template_id: str) -> None:
    consent = session.scalar(select(MessageConsent).where(*_mine(person, template_id)))
    if consent is None:
        session.add(
            MessageConsent(
                person_id=person.id, kind=SUBSCRIBE, template_id=template_id, remaining=1
            )
        )
    elif consent.remaining is not None:
        consent.remaining = min(consent.remaining + 1, MAX_USES)
    session.flush()


def _withdraw(session: Session, person: Person, template_id: str) -> None:
    session.execute(delete(MessageConsent).where(*_mine(person, template_id)))
