"""`python -m bench.nlu`: what understanding costs per message, and per worker in memory.

Per message: `Understander.understand` over the real-traffic mix (bench/traffic/mix.yaml:
policy questions, natural requests, command words), medians and p99 over every timing,
beside what routing cost before it existed (normalising the text and looking it up in
the command words), measured in the same run. Memory: fresh child processes load what a
worker loads, without and with the understanding step (the FAQ catalog and index; plus
the trained intent model), and report their peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import date

CHILD = r"""
import resource, sys, json
from core.faq.schema import load_entries
from core.faq.evaluate import catalog_from_entries
from core.faq.matcher import match
catalog = catalog_from_entries(load_entries())
match(catalog, "当兵回来一直待业，失业保险怎么弄")
if sys.argv[1] == "with":
    from datetime import date
    from core.faq.catalog import text_processor
    from core.nlu.data import catalog_entries
    from core.nlu.understand import understander
    u = understander(text_processor(), lambda: catalog_entries(catalog), catalog.index)
    u.understand("江桥有开车的活吗", date(2026, 12, 7))
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
TARGET_MS = 1.0
TARGET_MEMORY_MB = 50.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timings(fn, texts: list[str], repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    for text in texts:
        fn(text)
    found = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            fn(text)
            found.append((time.perf_counter() - start) * 1000)
    return found


def peak_rss(mode: str, runs: int) -> float:
    values = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True
        )
        values.append(json.loads(out.stdout.strip().splitlines()[-1])["rss_mb"])
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="passes over the mix")
    parser.add_argument("--memory-runs", type=int, default=3, help="fresh processes per setup")
    args = parser.parse_args()

    from bench.gateway.run import load_mix
    from bot.router import normalise
    from core.faq.catalog import text_processor
    from core.faq.evaluate import catalog_from_entries
    from core.faq.schema import load_entries
    from core.nlu.data import catalog_entries
    from core.nlu.understand import understander

    mix = load_mix()
    texts = [t for kind in mix.values() for t in kind]
    catalog = catalog_from_entries(load_entries())
    model = understander(text_processor(), lambda: catalog_entries(catalog), catalog.index)
    today = date(2026, 12, 7)
    commands = {normalise(t) for t in mix["commands"]}
    ours = timings(lambda t: model.understand(t, today), texts, args.repeats)
    base = timings(lambda t: normalise(t) in commands, texts, args.repeats)
    median = statistics.median(ours)
    print(
        f"understanding benchmark: {len(texts)} messages of the real-traffic mix x {args.repeats}"
    )
    print(f"  understand()          median {median:.3f} ms   p99 {percentile(ours, 99):.3f} ms")
    print(
        f"  command words (before) median {statistics.median(base):.4f} ms   "
        f"p99 {percentile(base, 99):.4f} ms"
    )
    print(f"  target: median added < {TARGET_MS} ms -> {'met' if median < TARGET_MS else 'MISSED'}")
    without = peak_rss("without", args.memory_runs)
    with_nlu = peak_rss("with", args.memory_runs)
    grew = with_nlu - without
    print(
        f"  peak resident memory: {without:.0f} MB without understanding, {with_nlu:.0f} MB "
        f"with (+{grew:.0f} MB; target within {TARGET_MEMORY_MB:.0f} MB -> "
        f"{'met' if grew <= TARGET_MEMORY_MB else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
