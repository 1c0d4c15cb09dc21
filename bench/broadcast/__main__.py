"""`python -m bench.broadcast`: a broadcast to 20,000 people against the WeChat stand-in.

The stand-in (its own process) answers every call after 20 ms, as a distant API would; the
sender is limited to 500 messages/s. Each measurement runs in a fresh process on a fresh
SQLite file (or on VETBOT_DATABASE_URL when set: use a scratch database): build the
ledger, send, then count the ledger. Reported: messages/s achieved (sent / sending time)
against the limit (median of the repeats), the ledger build time, and the peak resident
memory at several sizes, which should stay flat as recipients grow (the sender holds two
batches, never the whole list).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid

from bench.common import PROJECT_ROOT


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--recipients", type=int, default=20_000, help="people in the throughput runs (20000)")
    add("--rate", type=float, default=500.0, help="configured limit, messages/s (500)")
    add("--latency", type=float, default=0.020, help="stand-in latency per call, s (0.020)")
    add("--workers", type=int, default=16, help="sending threads (16)")
    add("--batch", type=int, default=200, help="ledger rows claimed per batch (200)")
    add("--repeats", type=int, default=3, help="throughput repeats; the median is reported (3)")
    add("--memory-sizes", default="5000,10000,20000", help="recipients per memory run")
    add(
        "--quick", action="store_true", help="smoke run: 2000 recipients, 1 repeat, sizes 1000,2000"
    )
    return parser.parse_args()


def measure(args: argparse.Namespace, api_url: str, recipients: int) -> dict[str, object]:
    argv = [
        sys.executable,
        "-m",
        "bench.broadcast.worker",
        str(recipients),
        str(args.rate),
        str(args.workers),
        str(args.batch),
        api_url,
        uuid.uuid4().hex[:8],
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "VETBOT_BROADCAST"))}
    env["VETBOT_DEMO_DATA"] = "0"
    env["VETBOT_LOG_LEVEL"] = "WARNING"
    done = subprocess.run(
        argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"measurement failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    args = parse_args()
    if args.quick:
        args.recipients, args.repeats, args.memory_sizes = 2000, 1, "1000,2000"
    standin = subprocess.Popen(
        [sys.executable, "-m", "bench.broadcast.standin", str(args.latency)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert standin.stdout is not None
    assert standin.stdin is not None
    api_url = standin.stdout.readline().strip()
    print(
        f"stand-in at {api_url}, {args.latency * 1000:.0f} ms per call; limit {args.rate:.0f}/s, "
        f"{args.workers} threads, batches of {args.batch}; database: "
        f"{'VETBOT_DATABASE_URL' if os.environ.get('VETBOT_DATABASE_URL') else 'SQLite (temporary)'}"
    )
    wrong = 0
    try:
        rates: list[float] = []
        cpus: list[float] = []
        print(f"\nthroughput, {args.recipients} recipients:")
        for n in range(args.repeats):
            r = measure(args, api_url, args.recipients)
            sent, seconds = float(r["sent"]), float(r["send_s"])  # type: ignore[arg-type]
            cpu = float(r["cpu_ms_per_msg"])  # type: ignore[arg-type]
            rate = sent / seconds
            rates.append(rate)
            cpus.append(cpu)
            wrong += int(r["sent"] != args.recipients or bool(r["other"]))
            print(
                f"  run {n + 1}: {r['sent']} sent in {seconds:.1f} s = {rate:.0f} msg/s "
                f"({100 * rate / args.rate:.1f} % of the limit); ledger built in "
                f"{float(r['ledger_s']):.1f} s; sender CPU {cpu:.2f} ms a message; "  # type: ignore[arg-type]
                f"peak RSS {float(r['peak_mb']):.0f} MB; other {r['other']}"  # type: ignore[arg-type]
            )
        med, cpu = statistics.median(rates), statistics.median(cpus)
        print(
            f"  median: {med:.0f} msg/s = {100 * med / args.rate:.1f} % of {args.rate:.0f}/s "
            "(target ≥ 90 %)"
        )
        print(
            f"  sender CPU {cpu:.2f} ms a message, all threads (does not depend on the load): "
            f"the limit needs {cpu * args.rate / 1000:.2f} of a core"
        )
        print("\nmemory by size (a fresh process each):")
        for size in (int(s) for s in args.memory_sizes.split(",")):
            r = measure(args, api_url, size)
            wrong += int(r["sent"] != size or bool(r["other"]))
            print(
                f"  {size:6d} recipients: peak RSS {float(r['peak_mb']):.0f} MB "  # type: ignore[arg-type]
                f"(before sending {float(r['rss_before_mb']):.0f} MB), {r['sent']} sent"  # type: ignore[arg-type]
            )
    finally:
        standin.stdin.close()
        delivered = standin.stdout.readline().strip()
        standin.wait(timeout=10)
    print(f"\nthe stand-in accepted {delivered} messages in all")
    if wrong:
        print(f"{wrong} measurement(s) did not send to every recipient exactly once")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
