"""Broadcast fixtures: subscribers, broadcasts, and settings that send to the WeChat stand-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.broadcast.delivery import Transport
from core.broadcast.models import SEG_ALL, Broadcast, BroadcastRecipient
from core.config import Settings
from core.jobs.models import EventSignup, Subscription
from core.people.models import Person
from core.timeutil import utcnow
from tests.standin import WeChatStandIn

LONG_AGO = utcnow() - timedelta(days=10)  # outside the 48-hour window


@pytest.fixture
def subscriber(factories, db_session: Session) -> Callable[..., Person]:
    def make(
        openid: str | None = None,
        *,
        jobs: bool = True,
        events: bool = False,
        policy_news: bool = False,
        digest: bool = False,
        towns: tuple[str, ...] = (),
        industries: tuple[str, ...] = (),
        **person: object,
    ) -> Person:
        someone = factories.person(openid, **person)
        db_session.add(
            Subscription(
                person_id=someone.id,
                jobs=jobs,
                events=events,
                policy_news=policy_news,
                digest=digest,
                towns=list(towns),
                industries=list(industries),
            )
        )
        db_session.commit()
        return someone

    return make


@pytest.fixture
def broadcast(db_session: Session) -> Callable[..., Broadcast]:
    def make(segment: str = SEG_ALL, value: str = "", **fields: object) -> Broadcast:
        made = Broadcast(
            title=str(fields.pop("title", "金秋招聘会")),
            body=str(fields.pop("body", "11月28日在安亭镇举办退役军人专场招聘会，欢迎参加。")),
            segment=segment,
            segment_value=value,
            send_at=fields.pop("send_at", utcnow() - timedelta(seconds=1)),
            **fields,
        )
        db_session.add(made)
        db_session.commit()
        return made

    return make


def sign_up(db_session: Session, event_id: int, person: Person, status: str = "signed_up") -> None:
    db_session.add(EventSignup(event_id=event_id, person_id=person.id, status=status))
    db_session.commit()


@pytest.fixture
def api_settings(settings: Settings, wechat_standin: WeChatStandIn) -> Settings:
    """Real WeChat calls, to the stand-in; no rate limit worth the name, small batches."""
    return settings.with_overrides(
        wechat_app_id="wx-broadcast-test",
        wechat_app_secret="test-secret",
        wechat_api_base_url=wechat_standin.base_url,
        wechat_api_timeout=0.5,
        broadcast_rate=100_000.0,
        broadcast_workers=4,
        broadcast_batch=7,
    )


@pytest.fixture
def transport(app, api_settings: Settings) -> Transport:
    return Transport(api_settings)


def ledger(db_session: Session, broadcast_id: int) -> dict[str, BroadcastRecipient]:
    """The ledger rows by openid, fresh from the database."""
    db_session.expire_all()
    rows = db_session.execute(
        select(Person.openid, BroadcastRecipient)
        .join(Person, Person.id == BroadcastRecipient.person_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
    )
    return dict(rows.all())


def no_sleep(_seconds: float) -> None:
    return None


def later(minutes: int) -> Callable[[], datetime]:
    return lambda: utcnow() + timedelta(minutes=minutes)
