"""The daily digest: to each person who opted in, the new postings that match them.

"New" means published after the person's `digest_sent_at` (at most a week back). Nobody
gets an empty digest. Each digest is claimed before it is sent, as booking reminders are:
a conditional UPDATE moves `digest_sent_at` from the value read to now, and is committed
before the push leaves, so a second scheduler or a rerun the same evening sends nothing
twice (a crash after the claim loses that day's digest rather than doubling it). People
WeChat lets us reach only by mass send are left for a day they can be reached: their
postings wait, since `digest_sent_at` does not move.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.broadcast import plan as broadcast_plan
from core.broadcast.delivery import Message, Sending, Transport, transport_for
from core.broadcast.models import NONE, SENT
from core.broadcast.rate_limit import TokenBucket
from core.config import Settings
from core.jobs import search as job_search
from core.jobs.models import Subscription
from core.jobs.search import JobPage
from core.jobs.texts import posting_line
from core.people.models import Person
from core.wechat.links import page_url
from core.wechat.models import OutboxMessage

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=7)
SHOWN = 5
TITLE = "今日新岗位"


def parse_time(text: str) -> clock_time:
    """ "HH:MM" (Asia/Shanghai); raises ValueError with the expected form."""
    try:
        hour, minute = (int(part) for part in text.strip().split(":"))
        return clock_time(hour, minute)
    except ValueError as exc:
        raise ValueError(f"digest time must be HH:MM, got {text!r}") from exc


def digest_body(page: JobPage) -> str:
    lines = [f"为您找到 {page.total} 个符合订阅的新岗位："]
    lines += [f"{n}. {posting_line(p)}" for n, p in enumerate(page.items, 1)]
    if page.total > len(page.items):
        lines.append(f"……另有 {page.total - len(page.items)} 个，点链接查看。")
    lines.append("回复“找工作”看更多，回复“退订”不再接收。")
    return "\n".join(lines)


def recent_postings_text(session: Session, now: datetime) -> str:
    """A digest of the week's open postings for staff to start a broadcast from; "" if none."""
    page = job_search.search(session, limit=SHOWN, now=now, published_after=now - LOOK_BACK)
    if not page.items:
        return ""
    return digest_body(page).replace("为您找到", "本周新发布").replace("符合订阅的", "")


@dataclass
class DigestRun:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    nothing_new: int = 0


def _claim(session: Session, sub: Subscription, now: datetime) -> bool:
    previous = sub.digest_sent_at
    was = (
        Subscription.digest_sent_at.is_(None)
        if previous is None
        else Subscription.digest_sent_at == previous
    )
    result = session.execute(
        update(Subscription)
        .where(Subscription.id == sub.id, Subscription.digest.is_(True), was)
        .values(digest_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def send_due(
    session: Session, settings: Settings, now: datetime, *, transport: Transport | None = None
) -> DigestRun:
    """Claim and send today's digests; commits as it goes."""
    transport = transport or transport_for(settings)
    sending = Sending(transport, TokenBucket(settings.broadcast_rate))
    oldest = now - LOOK_BACK
    subs = list(
        session.scalars(
            select(Subscription)
            .join(Person, Person.id == Subscription.person_id)
            .where(Subscription.digest.is_(True), Person.subscribed.is_(True))
            .order_by(Subscription.id)
        )
    )
    session.commit()
    result = DigestRun()
    url = page_url(settings, "/m/jobs")
    for sub in subs:
        since = max(sub.digest_sent_at or oldest, oldest)
        # The same query as the chat's and the pages' lists: open, still valid, matching.
        mine = job_search.search(
            session, job_search.filter_for(sub), limit=SHOWN, now=now, published_after=since
        )
        if not mine.items:
            result.nothing_new += 1
            continue
        (facts,) = broadcast_plan.facts_for(session, settings, [sub.person_id], now)
        channel, _reason = broadcast_plan.choose(facts, use_mass=False, now=now)
        if channel == NONE:
            result.unreachable += 1
            continue
        if not _claim(session, sub, now):
            session.rollback()
            continue
        openid = sub.person.openid
        message = Message(TITLE, digest_body(mine), url)
        if transport.local:
            session.execute(
                insert(OutboxMessage).values(
                    openid=openid, kind="text", content=message.text, payload={"digest": True}
                )
            )
        session.commit()  # the claim is durable before anything leaves
        outcome = sending.one(channel, openid, message)
        if outcome.status == SENT:
            result.sent += 1
        else:
            result.failed += 1
            log.info("digest for person %s not delivered: %s", sub.person_id, outcome.reason)
    log.info("daily digest: %s", result)
    return result
