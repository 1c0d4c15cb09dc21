"""The booking workload: stations to fight over, the two ways to book, and the checks.

Each measurement gets its own copy of the stations (codes starting with the run's tag)
and people, so vetbot and the baseline start from the same empty slots and replay the
same operation stream (the same seed per client). The services see a fixed clock, a
working Wednesday in December 2026, so the workload does not depend on today's date.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.booking import availability, booking
from core.booking.models import (
    ACTIVE,
    CANCELLED,
    Booking,
    BookingSlot,
    Station,
    StationException,
    StationHours,
)
from core.people.models import Person
from core.timeutil import LOCAL_TZ

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)
SERVICE = 3
Op = tuple[bool, int, int, int, int]  # cancel?, station, slot, person, pick


@dataclass
class Measurement:
    variant: str
    elapsed: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    cancels: int = 0
    oversold: int = 0
    counter_wrong: int | None = None

    @property
    def attempts(self) -> int:
        return len(self.latencies_ms)

    @property
    def booked(self) -> int:
        return self.outcomes.get("booked", 0)

    @property
    def bookings_per_s(self) -> float:
        return self.booked / self.elapsed if self.elapsed else 0.0

    @property
    def attempts_per_s(self) -> float:
        return self.attempts / self.elapsed if self.elapsed else 0.0


@dataclass
class Copy:
    """One copy of the stations, slots and people a measurement works on."""

    tag: str
    stations: list[int]
    starts: list[datetime]  # the N contested slot starts (the same at every station)
    people: list[list[int]]  # per client


def create_copy(factory: sessionmaker[Session], tag: str, args: argparse.Namespace) -> Copy:
    with factory() as session:
        stations = []
        for i in range(args.stations):
            station = Station(
                code=f"{tag}-{i}",
                name=f"压测服务站{i}（示例）",
                town="嘉定镇街道",
                services=[SERVICE],
                desks=args.desks,
                slot_minutes=30,
                min_notice_minutes=0,
                max_active_per_person=10_000,
                is_sample=True,
            )
            station.hours = [
                StationHours(weekday=d, opens=clock(9), closes=clock(17)) for d in range(5)
            ]
            session.add(station)
            stations.append(station)
        people = [
            [Person(openid=f"{tag}-{c}-{k}", subscribed=True) for k in range(args.people)]
            for c in range(args.clients)
        ]
        session.add_all(p for group in people for p in group)
        session.flush()
        # Slot rows for the whole booking window exist, as after people have browsed.
        for station in stations:
            for plan in availability.bookable_days(station, NOW):
                availability.ensure_slots(session, station, plan.day)
        starts = [
            s
            for plan in availability.bookable_days(stations[0], NOW)
            for s, _ in availability.slot_starts(stations[0], plan)
        ][: args.slots]
        session.commit()
        return Copy(tag, [s.id for s in stations], starts, [[p.id for p in g] for g in people])


def operations(args: argparse.Namespace, client: int, count: int) -> list[Op]:
    rng = random.Random(f"{args.seed}-{client}")
    return [
        (
            rng.random() < args.cancel_ratio,
            rng.randrange(args.stations),
            rng.randrange(args.slots),
            rng.randrange(args.people),
            rng.randrange(1 << 30),
        )
        for _ in range(count)
    ]


def vetbot_book(session: Session, station: Station, person: Person, starts: datetime) -> int:
    return booking.book(session, person, station, starts, SERVICE, now=NOW).id


def vetbot_cancel(session: Session, booking_id: int) -> None:
    mine = session.get(Booking, booking_id)
    assert mine is not None
    booking.cancel(session, mine, by="person", now=NOW)


def naive_book(session: Session, station: Station, person: Person, starts: datetime) -> int:
    """Check, then insert: two clients can both see one desk left and both take it."""
    slot_id, capacity = session.execute(
        select(BookingSlot.id, BookingSlot.capacity).where(
            BookingSlot.station_id == station.id, BookingSlot.starts_at == starts
        )
    ).one()
    taken = session.scalar(
        select(func.count()).where(Booking.slot_id == slot_id, Booking.status == ACTIVE)
    )
    if (taken or 0) >= capacity:
        raise booking.BookingError("full", "该时段已约满。")
    made = Booking(
        code=booking.new_code(),
        person_id=person.id,
        station_id=station.id,
        slot_id=slot_id,
        service=SERVICE,
    )
    session.add(made)
    session.flush()
    return made.id


def naive_cancel(session: Session, booking_id: int) -> None:
    session.execute(
        update(Booking).where(Booking.id == booking_id).values(status=CANCELLED, cancelled_at=NOW)
    )


VARIANTS = {"vetbot": (vetbot_book, vetbot_cancel), "baseline": (naive_book, naive_cancel)}


def measure(
    factory: sessionmaker[Session], variant: str, copy: Copy, args: argparse.Namespace
) -> Measurement:
    result = Measurement(variant)
    clients = _Clients(factory, copy, args, result, threading.Barrier(args.clients + 1))
    threads = [threading.Thread(target=clients.run, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    clients.deadline = time.monotonic() + args.max_seconds
    began = time.perf_counter()
    clients.barrier.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - began
    check(factory, copy, result)
    return result


@dataclass
class _Clients:
    """What the client threads of one measurement share: the work, the start, the tally.

    A class rather than a closure inside `measure` so that each part stays short enough to
    read; the loop over operations still works on locals only.
    """

    factory: sessionmaker[Session]
    copy: Copy
    args: argparse.Namespace
    result: Measurement
    barrier: threading.Barrier  # the clients and `measure`: the clock starts when all are in
    lock: threading.Lock = field(default_factory=threading.Lock)
    deadline: float = 0.0  # time.monotonic(); set by `measure` just before the start

    def run(self, index: int) -> None:
        """One client: its own operations on its own session, then its figures added up."""
        book, cancel = VARIANTS[self.result.variant]
        ops = operations(self.args, index, -(-self.args.ops // self.args.clients))
        outcomes: dict[str, int] = {}
        latencies: list[float] = []
        cancels = 0
        mine: list[int] = []
        with self.factory() as session:
            stations = [session.get_one(Station, i) for i in self.copy.stations]
            people = [session.get_one(Person, i) for i in self.copy.people[index]]
            for station in stations:  # load what book() reads, before the clock starts
                _ = (station.hours, station.exceptions)
            self.barrier.wait()
            for wants_cancel, s, n, p, pick in ops:
                if time.monotonic() > self.deadline:
                    break
                cancelling = wants_cancel and bool(mine)
                began = time.perf_counter()
                try:
                    if cancelling:
                        cancel(session, mine.pop(pick % len(mine)))
                    else:
                        mine.append(book(session, stations[s], people[p], self.copy.starts[n]))
                    session.commit()
                    outcome = "cancelled" if cancelling else "booked"
                except booking.BookingError as exc:
                    session.rollback()
                    outcome = exc.code
                except IntegrityError:
                    session.rollback()
                    outcome = "duplicate"
                except DBAPIError as exc:  # deadlocks, serialisation failures: reported
                    session.rollback()
                    outcome = f"error: {type(exc.orig).__name__}"
                if cancelling and outcome == "cancelled":
                    cancels += 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000.0)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        with self.lock:
            self.result.latencies_ms.extend(latencies)
            self.result.cancels += cancels
            for key, value in outcomes.items():
                self.result.outcomes[key] = self.result.outcomes.get(key, 0) + value


def check(factory: sessionmaker[Session], copy: Copy, result: Measurement) -> None:
    """Every slot: active bookings ≤ desks; vetbot's counter equals its active rows."""
    active = func.count(Booking.id).filter(Booking.status == ACTIVE)
    with factory() as session:
        rows = session.execute(
            select(BookingSlot.capacity, BookingSlot.booked, active)
            .outerjoin(Booking, Booking.slot_id == BookingSlot.id)
            .where(BookingSlot.station_id.in_(copy.stations))
            .group_by(BookingSlot.id)
        ).all()
    result.oversold = sum(max(0, n - capacity) for capacity, _, n in rows)
    if result.variant == "vetbot":
        result.counter_wrong = sum(booked != n or booked > cap for cap, booked, n in rows)


def remove(factory: sessionmaker[Session], run: str) -> None:
    with factory() as session:
        ids = select(Station.id).where(Station.code.like(f"{run}%")).scalar_subquery()
        for model in (Booking, BookingSlot, StationHours, StationException):
            session.execute(delete(model).where(model.station_id.in_(ids)))
        session.execute(delete(Station).where(Station.code.like(f"{run}%")))
        session.execute(delete(Person).where(Person.openid.like(f"{run}%")))
        session.commit()
