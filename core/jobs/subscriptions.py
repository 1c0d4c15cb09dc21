"""What a person chose to receive: the one place that checks and describes those choices.

The chat flow, `/m/subscriptions` and the broadcast segments read and write the same
row. Towns and industries are checked against the fixed lists, so a list never holds a
value nobody can match; a daily digest only makes sense with job postings chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.booking.models import TOWNS
from core.jobs.models import INDUSTRIES, Subscription
from core.people.models import Person
from core.timeutil import utcnow


class SubscriptionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Choices:
    """What someone wants; empty towns / industries mean any."""

    jobs: bool = False
    towns: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    events: bool = False
    policy_news: bool = False
    digest: bool = False


def get(session: Session, person: Person) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.person_id == person.id))


def of_openid(session: Session, openid: str) -> Subscription | None:
    """The subscription of whoever has this openid, in one statement, without loading (or
    creating) the person: someone who has never been seen subscribes to nothing."""
    return session.scalar(
        select(Subscription)
        .join(Person, Person.id == Subscription.person_id)
        .where(Person.openid == openid)
    )


def choices_of(subscription: Subscription | None) -> Choices:
    if subscription is None:
        return Choices()
    return Choices(
        jobs=subscription.jobs,
        towns=list(subscription.towns or []),
        industries=list(subscription.industries or []),
        events=subscription.events,
        policy_news=subscription.policy_news,
        digest=subscription.digest,
    )


def _checked(values: Iterable[str], allowed: tuple[str, ...], what: str) -> list[str]:
    """Known values in the list's own order, each once; an unknown one is refused."""
    wanted = set(values)
    unknown = sorted(wanted - set(allowed))
    if unknown:
        raise SubscriptionError(f"没有这个{what}：{'、'.join(unknown)}。")
    return [v for v in allowed if v in wanted]


def update(session: Session, person: Person, wanted: Choices) -> Subscription:
    """Save `wanted` for `person` (creating the row the first time)."""
    towns = _checked(wanted.towns, TOWNS, "街镇") if wanted.jobs else []
    industries = _checked(wanted.industries, INDUSTRIES, "行业") if wanted.jobs else []
    subscription = get(session, person)
    if subscription is None:
        subscription = Subscription(person_id=person.id)
        session.add(subscription)
    subscription.jobs = wanted.jobs
    subscription.towns = towns
    subscription.industries = industries
    subscription.events = wanted.events
    subscription.policy_news = wanted.policy_news
    was_digest = subscription.digest
    subscription.digest = wanted.jobs and wanted.digest
    if subscription.digest and not was_digest:
        # The first digest carries what is published from now on, not the whole backlog.
        subscription.digest_sent_at = utcnow()
    session.flush()
    return subscription


def unsubscribe_all(session: Session, person: Person) -> bool:
    """`退订`: every flag off, the row kept (its history matters to staff); True if anything was on."""
    subscription = get(session, person)
    if subscription is None:
        return False
    had_any = subscription.anything
    subscription.jobs = subscription.events = subscription.policy_news = False
    subscription.digest = False
    subscription.towns = []
    subscription.industries = []
    session.flush()
    return had_any


def _places(values: list[str]) -> str:
    return "、".join(values) if values else "不限"


def describe(subscription: Subscription | None) -> str:
    """A short Chinese summary of what the person receives."""
    if subscription is None or not subscription.anything:
        return "您目前没有订阅任何消息。"
    lines = ["您订阅了："]
    if subscription.jobs:
        lines.append(
            f"· 岗位信息（街镇：{_places(subscription.towns)}；"
            f"行业：{_places(subscription.industries)}）"
        )
        if subscription.digest:
            lines.append("· 每日新岗位推送")
    if subscription.events:
        lines.append("· 招聘会和活动")
    if subscription.policy_news:
        lines.append("· 政策资讯")
    return "\n".join(lines)
