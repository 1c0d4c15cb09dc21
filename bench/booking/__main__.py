"""`python -m bench.booking`: booking under contention, vetbot vs check-then-insert.

32 clients (threads, each with its own session and its own people) book random slots
of a few stations and cancel some of their own bookings, on PostgreSQL. vetbot takes a
desk with `core.booking.booking.book` (a conditional UPDATE of the slot's counter in
the booking's transaction); the baseline, on a fresh copy of the stations and the same
operation stream, counts the slot's active bookings and inserts if the count is below
capacity, without a lock, as Easy!Appointments does. After each measurement every slot
is checked: active bookings ≤ desks, and for vetbot the counter equals the active rows.
The run deletes its own rows at the end.
"""

from __future__ import annotations

import argparse
import logging
import uuid

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import sessionmaker

from bench.booking.workload import VARIANTS, Measurement, create_copy, measure, remove
from bench.common import median, percentile
from core import migrate
from core.config import load_settings
from core.db import db


def line(m: Measurement) -> str:
    refused = ", ".join(f"{k} {v}" for k, v in sorted(m.outcomes.items()) if k != "booked")
    counter = "" if m.counter_wrong is None else f", counters wrong {m.counter_wrong}"
    return (
        f"  {m.variant:8} {m.bookings_per_s:7.0f} bookings/s  {m.attempts_per_s:7.0f} attempts/s  "
        f"p50 {percentile(m.latencies_ms, 50):6.1f} ms  p99 {percentile(m.latencies_ms, 99):6.1f} ms  "
        f"{m.attempts} attempts in {m.elapsed:.1f} s (booked {m.booked}; {refused or 'none refused'}), "
        f"{m.cancels} cancels, oversold desks {m.oversold}{counter}"
    )


def summary(runs: list[Measurement]) -> dict[str, float]:
    return {
        "bookings_per_s": median([m.bookings_per_s for m in runs]),
        "attempts_per_s": median([m.attempts_per_s for m in runs]),
        "p50": median([percentile(m.latencies_ms, 50) for m in runs]),
        "p99": median([percentile(m.latencies_ms, 99) for m in runs]),
        "full": median([m.outcomes.get("full", 0) / max(1, m.attempts) for m in runs]),
        "oversold": median([m.oversold for m in runs]),
        "oversold_max": max((m.oversold for m in runs), default=0),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--stations", type=int, default=2, help="stations per copy (2)")
    add("--slots", type=int, default=16, help="contested slots per station (16: one day)")
    add("--desks", type=int, default=3, help="desks per slot (3)")
    add("--clients", type=int, default=32, help="concurrent clients (32)")
    add("--people", type=int, default=16, help="people per client (16)")
    add("--ops", type=int, default=1200, help="operations per measurement (1200)")
    add("--cancel-ratio", type=float, default=0.25, help="share of operations that cancel (0.25)")
    add("--max-seconds", type=float, default=20.0, help="a measurement stops after this (20)")
    add("--repeats", type=int, default=5, help="measurements per variant (5)")
    add("--seed", default="vetbot", help="workload seed")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    url = settings.sqlalchemy_url
    if settings.is_production or not url.startswith("postgresql"):
        print(
            "bench.booking needs PostgreSQL in a scratch database: set VETBOT_DATABASE_URL,"
            " e.g. postgresql://postgres@127.0.0.1:5432/vetbot_bench_booking.\nSQLite"
            " serialises every writer, so it would say nothing about row locks or races."
        )
        return 2
    db.configure(url)
    migrate.upgrade(url)
    engine: Engine = create_engine(url, pool_size=args.clients + 2, max_overflow=0)
    factory = sessionmaker(engine, expire_on_commit=False)
    run = f"bench-bk-{uuid.uuid4().hex[:6]}"  # station codes are at most 32 characters
    print(
        f"booking benchmark on {url.split('@')[-1]}: {args.stations} stations x {args.slots} slots"
        f" x {args.desks} desks, {args.clients} clients, {args.ops} operations or"
        f" {args.max_seconds:g} s per measurement, {args.cancel_ratio:.0%} cancels",
        flush=True,
    )
    results: dict[str, list[Measurement]] = {"vetbot": [], "baseline": []}
    try:
        warm = argparse.Namespace(**{**vars(args), "ops": args.clients * 4})
        for variant in VARIANTS:
            measure(factory, variant, create_copy(factory, f"{run}-w{variant[0]}", args), warm)
        for repeat in range(args.repeats):
            order = list(VARIANTS) if repeat % 2 == 0 else list(reversed(VARIANTS))
            for variant in order:
                copy = create_copy(factory, f"{run}-{repeat}{variant[0]}", args)
                results[variant].append(measure(factory, variant, copy, args))
                print(line(results[variant][-1]), flush=True)
    finally:
        remove(factory, run)
        engine.dispose()
    ours, base = summary(results["vetbot"]), summary(results["baseline"])
    print(f"medians over {args.repeats} repeats:")
    for name, s in (("vetbot", ours), ("baseline", base)):
        print(
            f"  {name:8} {s['bookings_per_s']:7.0f} bookings/s  {s['attempts_per_s']:7.0f} attempts/s"
            f"  p50 {s['p50']:.1f} ms  p99 {s['p99']:.1f} ms  refused as full {s['full']:.0%}"
            f"  oversold desks {s['oversold']:.0f} (max {s['oversold_max']})"
        )
    ratio = {k: ours[k] / base[k] if base[k] else float("nan") for k in ours}
    print(
        f"  ratio vetbot / baseline: bookings/s {ratio['bookings_per_s']:.2f},"
        f" attempts/s {ratio['attempts_per_s']:.2f}"
    )
    broken = [m for m in results["vetbot"] if m.oversold or m.counter_wrong]
    errors = [m for m in results["vetbot"] if any(k.startswith("error") for k in m.outcomes)]
    print(f"  vetbot oversold or miscounted in {len(broken)} of {args.repeats} runs (must be 0)")
    return 1 if broken or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
