"""`python -m bench.faq`: how fast the FAQ answers, from a cold process and when warm.

Per-query latency is measured over the dev set's questions (each query repeated,
medians and p99 over all timings), beside the rank_bm25 baseline timed in the same run
on the same questions, and reported as a ratio. Start-up is measured in fresh child
processes: from interpreter start to the first answer (jieba, lexicon, index build),
with the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CHILD = r"""
import resource, sys, time, json
t0 = time.perf_counter()
from core.faq.schema import load_entries
from core.faq.evaluate import catalog_from_entries
from core.faq.matcher import match
catalog = catalog_from_entries(load_entries())
match(catalog, "当兵回来一直待业，失业保险怎么弄")
elapsed = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first_answer_s": elapsed, "rss_mb": rss_mb}))
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_queries(fn, questions: list[str], repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    for q in questions[:20]:  # warm caches
        fn(q)
    timings = []
    for _ in range(repeats):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def cold_starts(runs: int) -> list[dict[str, float]]:
    results = []
    for _ in range(runs):
        wall = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["process_s"] = time.perf_counter() - wall
        results.append(data)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="passes over the dev set")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes for start-up")
    args = parser.parse_args()

    from core.faq.check import default_devset, load_devset
    from core.faq.evaluate import baseline_ranker, catalog_from_entries
    from core.faq.matcher import match
    from core.faq.schema import load_entries

    entries = load_entries()
    questions = [item.question for item in load_devset(default_devset())]
    catalog = catalog_from_entries(entries)
    ours = time_queries(lambda q: match(catalog, q), questions, args.repeats)
    base = time_queries(baseline_ranker(entries), questions, args.repeats)
    starts = cold_starts(args.cold_runs)

    ours_med, base_med = statistics.median(ours), statistics.median(base)
    print(f"FAQ benchmark: {len(entries)} entries, {len(questions)} dev questions x {args.repeats}")
    print(f"  vetbot matcher   median {ours_med:.3f} ms   p99 {percentile(ours, 99):.3f} ms")
    print(f"  rank_bm25 base   median {base_med:.3f} ms   p99 {percentile(base, 99):.3f} ms")
    print(f"  ratio (vetbot / baseline median latency): {ours_med / base_med:.2f}")
    print(f"  target: median < 1 ms -> {'met' if ours_med < 1 else 'MISSED'}")
    first = statistics.median(s["first_answer_s"] for s in starts)
    process = statistics.median(s["process_s"] for s in starts)
    rss = statistics.median(s["rss_mb"] for s in starts)
    print(
        f"  cold start to first answer: median {first:.2f} s (whole process {process:.2f} s), "
        f"peak RSS median {rss:.0f} MB over {len(starts)} runs"
    )


if __name__ == "__main__":
    main()
