"""Which channel WeChat allows for each recipient, and the counts staff see before sending.

In order of preference: a customer-service message inside the 48-hour window (free, no
quota); a template or subscribe message where the person consented to the broadcast
template; a mass send if staff allowed it and the person has had fewer than 4 this
calendar month; otherwise the person is unreachable and counted as such. The same
function decides for the preview and for the ledger, so the plan shown is the plan sent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.broadcast.models import (
    CUSTOM,
    MASS,
    NONE,
    SUBSCRIBE,
    TEMPLATE,
    MassSendUsage,
    MessageConsent,
)
from core.broadcast.segments import Segment, person_chunks
from core.config import Settings
from core.people.models import Person, window_open
from core.timeutil import local

MASS_MONTHLY_LIMIT = 4
UNREACHABLE = "超出48小时互动时限，且未授权模板或订阅消息"
MASS_USED_UP = "超出48小时互动时限，且本月群发次数已满4次"
CHANNEL_ORDER = (CUSTOM, TEMPLATE, SUBSCRIBE, MASS, NONE)


@dataclass(frozen=True)
class Facts:
    """What decides one person's channel."""

    person_id: int
    last_message_at: datetime | None
    consents: frozenset[str]  # TEMPLATE / SUBSCRIBE with uses left for the broadcast templates
    mass_this_month: int


@dataclass
class Plan:
    total: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # why the unreachable are

    def rows(self) -> list[tuple[str, int]]:
        return [(c, self.channels[c]) for c in CHANNEL_ORDER if self.channels[c]]


def month_key(now: datetime) -> str:
    """WeChat's month is the calendar month where the account is: Asia/Shanghai."""
    return local(now).strftime("%Y-%m")


def choose(facts: Facts, *, use_mass: bool, now: datetime) -> tuple[str, str]:
    """(channel, reason); the reason is set only when the channel is NONE."""
    if window_open(facts.last_message_at, now):
        return CUSTOM, ""
    if TEMPLATE in facts.consents:
        return TEMPLATE, ""
    if SUBSCRIBE in facts.consents:
        return SUBSCRIBE, ""
    if use_mass:
        if facts.mass_this_month < MASS_MONTHLY_LIMIT:
            return MASS, ""
        return NONE, MASS_USED_UP
    return NONE, UNREACHABLE


def consent_filter(settings: Settings):
    """Consents to the configured broadcast templates with uses left."""
    templates = []
    if settings.wechat_template_broadcast:
        templates.append(
            and_(
                MessageConsent.kind == TEMPLATE,
                MessageConsent.template_id == settings.wechat_template_broadcast,
            )
        )
    if settings.wechat_subscribe_template_broadcast:
        templates.append(
            and_(
                MessageConsent.kind == SUBSCRIBE,
                MessageConsent.template_id == settings.wechat_subscribe_template_broadcast,
            )
        )
    if not templates:
        return None
    left = or_(MessageConsent.remaining.is_(None), MessageConsent.remaining > 0)
    return and_(or_(*templates), left)


def facts_for(
    session: Session, settings: Settings, person_ids: list[int], now: datetime
) -> list[Facts]:
    """Facts for a chunk of people: three queries, whatever the chunk's size."""
    last: dict[int, datetime | None] = dict(
        session.execute(
            select(Person.id, Person.last_message_at).where(Person.id.in_(person_ids))
        ).all()
    )
    consents: dict[int, set[str]] = {}
    allowed = consent_filter(settings)
    if allowed is not None:
        for pid, kind in session.execute(
            select(MessageConsent.person_id, MessageConsent.kind).where(
                MessageConsent.person_id.in_(person_ids), allowed
            )
        ):
            consents.setdefault(pid, set()).add(kind)
    used: dict[int, int] = dict(
        session.execute(
            select(MassSendUsage.person_id, MassSendUsage.count).where(
                MassSendUsage.person_id.in_(person_ids), MassSendUsage.month == month_key(now)
            )
        ).all()
    )
    return [
        Facts(pid, last.get(pid), frozenset(consents.get(pid, ())), used.get(pid, 0))
        for pid in person_ids
    ]


def preview(
    session: Session, settings: Settings, segment: Segment, *, use_mass: bool, now: datetime
) -> Plan:
    """Recipient count and channels, as the ledger would be built now."""
    plan = Plan()
    for ids in person_chunks(session, segment):
        for facts in facts_for(session, settings, ids, now):
            channel, reason = choose(facts, use_mass=use_mass, now=now)
            plan.total += 1
            plan.channels[channel] += 1
            if reason:
                plan.reasons[reason] += 1
    return plan
