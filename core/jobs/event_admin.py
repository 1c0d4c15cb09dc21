"""Staff keep the events (job fairs, recruitment drives, training, policy briefings).

An event happens on one day in Asia/Shanghai, from a start to an end time, at a station or
an address (or both). Its details are checked as text, every problem kept against its
field in Chinese, so the console and the sample loader share one set of rules. Capacity
never drops below the people already signed up: the sign-up counter is the booking
pattern's, kept by conditional UPDATEs in `core.jobs.events`. Cancelling flips the
status with a conditional UPDATE first, so two staff pressing at once tell people once.
Services flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from core.booking.models import TOWNS, Station
from core.config import Settings
from core.jobs import events
from core.jobs.admin import parse_day
from core.jobs.models import CANCELLED, EVENT_KINDS, SCHEDULED, SIGNED_UP, Event, EventSignup
from core.timeutil import LOCAL_TZ
from core.wechat import outbound

log = logging.getLogger(__name__)

LABELS = {
    "kind": "类型",
    "title": "名称",
    "day": "日期",
    "starts": "开始时间",
    "ends": "结束时间",
    "station_id": "服务站",
    "address": "地址",
    "town": "街镇",
    "organiser": "主办单位",
    "description": "介绍",
    "capacity": "名额",
    "reason": "取消原因",
}
MAX_LENGTH = {"title": 100, "address": 200, "organiser": 100, "description": 2000}
MAX_CAPACITY = 100_000
MAX_DAYS_AHEAD = 366
REASON_MAX = 200

UPCOMING, PAST, CANCELLED_LIST = "upcoming", "past", "cancelled"


class EventError(ValueError):
    """An event refused by the rules; `errors` maps each bad field to its Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(f"{LABELS.get(k, k)}：{v}" for k, v in errors.items()))


@dataclass(frozen=True)
class CancelResult:
    told: int
    unreachable: int


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _clock(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw.zfill(5)) if raw else None
    except ValueError:
        return None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _station(session: Session, raw: str, errors: dict[str, str]) -> Station | None:
    if not raw:
        return None
    station = session.get(Station, int(raw)) if raw.isdigit() else None
    if station is None:
        errors["station_id"] = "请从列表中选择服务站。"
    return station


def _check_texts(values: dict[str, Any], errors: dict[str, str]) -> None:
    """The kind is one we know, the title is there, no text is longer than its column."""
    if values["kind"] not in EVENT_KINDS:
        errors["kind"] = "请选择活动类型。"
    if not values["title"]:
        errors["title"] = "请填写活动名称。"
    for name, limit in MAX_LENGTH.items():
        if len(values[name]) > limit:
            errors[name] = f"{LABELS[name]}不超过 {limit} 个字。"


def _check_when(
    values: dict[str, Any], now: datetime, event: Event | None, errors: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    """(starts_at, ends_at) in `now`'s zone from the day and the local times, or Nones.

    The end follows the start; the start is not past (unless an existing event keeps the
    start it has) and is within MAX_DAYS_AHEAD.
    """
    day = parse_day(values["day"]) if values["day"] else None
    starts, ends = _clock(values["starts"]), _clock(values["ends"])
    if day is None:
        errors["day"] = "请填写日期，如 2026-12-05。"
    if starts is None:
        errors["starts"] = "请填写开始时间，如 09:30。"
    if ends is None:
        errors["ends"] = "请填写结束时间，如 12:00。"
    if day is None or starts is None or ends is None:
        return None, None
    starts_at = datetime.combine(day, starts, LOCAL_TZ).astimezone(now.tzinfo)
    ends_at = datetime.combine(day, ends, LOCAL_TZ).astimezone(now.tzinfo)
    unchanged = event is not None and _minute(event.starts_at) == starts_at
    if ends_at <= starts_at:
        errors["ends"] = "结束时间要晚于开始时间。"
    elif starts_at < now and not unchanged:
        errors["day"] = "活动时间不能早于现在。"
    elif starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        errors["day"] = "只能安排一年内的活动。"
    return starts_at, ends_at


def _check_place(
    session: Session, values: dict[str, Any], errors: dict[str, str]
) -> tuple[Station | None, str]:
    """(station, town): a station (its town unless another is given) or an address and a town."""
    station = _station(session, values["station_id"], errors)
    town = values["town"] or (station.town if station else "")
    if town and town not in TOWNS:
        errors["town"] = "请从嘉定区的街镇中选择。"
    if station is None and not values["address"] and "station_id" not in errors:
        errors["address"] = "请选择服务站或填写地址。"
    elif station is None and not town:
        errors["town"] = "请选择活动所在街镇。"
    return station, town


def _check_capacity(capacity: str, event: Event | None, errors: dict[str, str]) -> None:
    """A whole number of places up to MAX_CAPACITY, and never below the sign-ups so far."""
    if not capacity.isdigit() or not 1 <= int(capacity) <= MAX_CAPACITY:
        errors["capacity"] = f"名额请填写 1 到 {MAX_CAPACITY} 之间的整数。"
    elif event is not None and int(capacity) < event.signed_up:
        errors["capacity"] = f"已有 {event.signed_up} 人报名，名额不能少于报名人数。"


def check_event(
    session: Session, raw: Mapping[str, Any], now: datetime, event: Event | None = None
) -> dict[str, Any]:
    """The event's column values, or EventError listing every bad field.

    An existing event may keep a start already past (fixing a typo in its title after the
    day); a new start must be in the future. Each part of the form is checked by its own
    function below, in the form's order, every one adding to `errors`, so that one pass
    names every bad field.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: _text(raw, name) for name in LABELS}
    _check_texts(values, errors)
    starts_at, ends_at = _check_when(values, now, event, errors)
    station, town = _check_place(session, values, errors)
    capacity = values["capacity"]
    _check_capacity(capacity, event, errors)
    if errors:
        raise EventError(errors)
    return {
        "kind": values["kind"],
        "title": values["title"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "station_id": station.id if station else None,
        "address": values["address"],
        "town": town,
        "organiser": values["organiser"],
        "description": values["description"],
        "capacity": int(capacity),
    }


def create_event(
    session: Session, raw: Mapping[str, Any], now: datetime, *, is_sample: bool = False
) -> Event:
    event = Event(**check_event(session, raw, now), status=SCHEDULED, is_sample=is_sample)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, raw: Mapping[str, Any], now: datetime) -> Event:
    """Change the details; capacity is raised or lowered against the live sign-up count."""
    if event.status == CANCELLED:
        raise EventError({"title": "该活动已取消，不能再修改。"})
    values = check_event(session, raw, now, event)
    capacity = values.pop("capacity")
    # A sign-up racing this edit must not leave more people than places.
    changed = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.signed_up <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        session.refresh(event)
        raise EventError({"capacity": f"已有 {event.signed_up} 人报名，名额不能少于报名人数。"})
    session.expire(event, ["capacity", "signed_up"])
    for name, value in values.items():
        setattr(event, name, value)
    session.flush()
    return event


def form_data(event: Event | None, now: datetime) -> dict[str, Any]:
    """What the edit form shows: the event as text, or defaults for a new one."""
    if event is None:
        day = (now.astimezone(LOCAL_TZ) + timedelta(days=14)).date()
        return {"kind": "job_fair", "day": day.isoformat(), "starts": "09:30", "ends": "11:30"}
    start, end = event.starts_at.astimezone(LOCAL_TZ), event.ends_at.astimezone(LOCAL_TZ)
    return {
        "kind": event.kind,
        "title": event.title,
        "day": start.date().isoformat(),
        "starts": f"{start:%H:%M}",
        "ends": f"{end:%H:%M}",
        "station_id": str(event.station_id or ""),
        "address": event.address,
        "town": event.town,
        "organiser": event.organiser,
        "description": event.description,
        "capacity": str(event.capacity),
    }


# --- cancelling ---------------------------------------------------------------------------


def place_text(event: Event) -> str:
    parts = [event.station.name if event.station else "", event.address]
    return "，".join(p for p in parts if p) or event.town


def cancel_text(event: Event, reason: str) -> str:
    return "\n".join(
        [
            "【活动取消】",
            f"您报名的“{event.title}”已取消。",
            f"原定时间：{events.when_text(event)}",
            f"地点：{place_text(event)}",
            f"原因：{reason}",
            "给您带来不便，敬请谅解。回复“活动”可查看其他活动。",
        ]
    )


def active_signups(session: Session, event: Event) -> list[EventSignup]:
    return list(
        session.scalars(
            select(EventSignup)
            .options(joinedload(EventSignup.person))
            .where(EventSignup.event_id == event.id, EventSignup.status == SIGNED_UP)
            .order_by(EventSignup.created_at, EventSignup.id)
        )
    )


def cancel_event(
    session: Session, settings: Settings, event: Event, reason: str, now: datetime
) -> CancelResult:
    """Cancel once and tell everyone signed up; people a push cannot reach are counted."""
    reason = reason.strip()
    if not reason:
        raise EventError({"reason": "请填写取消原因，原因会发送给报名的人。"})
    if len(reason) > REASON_MAX:
        raise EventError({"reason": f"原因不超过 {REASON_MAX} 个字。"})
    changed = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.status == SCHEDULED)
        .values(status=CANCELLED, cancel_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        raise EventError({"reason": "该活动已经取消过了。"})
    session.refresh(event)
    told = unreachable = 0
    text = cancel_text(event, reason)
    for signup in active_signups(session, event):
        try:
            outbound.send_text(session, settings, signup.person, text, handler="event.cancelled")
            told += 1
        except outbound.DeliveryRefused as exc:
            log.info("event %s cancel notice not delivered: %s", event.id, exc.reason)
            unreachable += 1
    session.flush()
    return CancelResult(told, unreachable)


# --- lists for the console ----------------------------------------------------------------


def list_events(session: Session, which: str, now: datetime) -> list[Event]:
    """Upcoming (soonest first), past (latest first) or cancelled events."""
    stmt = select(Event).options(joinedload(Event.station))
    if which == CANCELLED_LIST:
        stmt = stmt.where(Event.status == CANCELLED).order_by(Event.starts_at.desc())
    elif which == PAST:
        stmt = stmt.where(Event.status == SCHEDULED, Event.ends_at < now).order_by(
            Event.starts_at.desc()
        )
    else:
        stmt = stmt.where(Event.status == SCHEDULED, Event.ends_at >= now).order_by(Event.starts_at)
    return list(session.scalars(stmt.limit(300)))
