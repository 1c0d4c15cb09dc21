"""`python -m bench.soak`: many messages at a steady rate; nothing may fail, grow or be lost.

The gateway benchmark asks how fast; this one asks whether it lasts. It starts the setup
as it is run (embedded: the README's `vetbot serve`, with its in-process scheduler and the
demo data; production-like: gunicorn with 2 workers plus one `vetbot scheduler`, on the
PostgreSQL and Redis named by VETBOT_DATABASE_URL and VETBOT_REDIS_URL), sends the
real-traffic mix of the gateway benchmark from many people at a fixed rate, every message
on a fresh connection as WeChat's servers send them, and reports:

- errors (anything but a text reply to the sender that is not the apology): must be 0;
- p50 and p99 latency in ten windows over the run: they must not creep up;
- resident memory, open sockets and threads of every process after the warm-up and at
  the end: growth must stay within 10 %;
- message-log rows: each answered message logged exactly once (nothing lost, nothing twice).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import HOST, Server, ServerError, free_port, percentile
from bench.gateway.run import MIX_WEIGHTS, TOKEN, gunicorn_server, load_mix, server_env
from bench.soak.procstats import ProcessStats, snapshot
from bot import simulate
from core.config import Settings

APOLOGY_START = "抱歉，系统刚才出了点问题".encode()
GROWTH_LIMIT = 0.10
# Sockets and threads are small counts that move with the requests in flight (the
# development server starts a thread per request): a change of this many is not growth.
COUNT_SLACK = 2


@dataclass
class Sent:
    at: float  # seconds since the run started
    latency_ms: float
    problem: str | None


@dataclass
class Setup:
    name: str
    servers: list[Server]
    database_url: str
    roots: dict[str, int] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000, help="messages (100000)")
    parser.add_argument("--rate", type=float, default=150.0, help="messages per second (150)")
    parser.add_argument("--people", type=int, default=2000, help="distinct senders (2000)")
    parser.add_argument("--warmup", type=int, default=1000, help="messages before (1000)")
    parser.add_argument("--threads", type=int, default=32, help="client threads (32)")
    parser.add_argument("--windows", type=int, default=10, help="latency windows (10)")
    return parser.parse_args(argv)


def _vetbot() -> str:
    return str(Path(sys.executable).parent / "vetbot")


def start(temp: Path, run_tag: str) -> Setup:
    """The embedded setup, or the production-like one when both URLs are set."""
    database_url = os.environ.get("VETBOT_DATABASE_URL", "")
    redis_url = os.environ.get("VETBOT_REDIS_URL", "")
    instance = temp / "instance"
    instance.mkdir()
    env = server_env(instance, f"vetbot-bench-soak-{run_tag}:", None, "wall")
    env["VETBOT_DEMO_DATA"] = "1"  # as the README runs it: sample postings, events, stations
    env["VETBOT_LOG_LEVEL"] = "WARNING"  # not a line per request
    if database_url and redis_url:
        web = gunicorn_server("gunicorn", "web.wsgi:app", env, temp)
        scheduler = Server("scheduler", [_vetbot(), "scheduler"], env, 0, temp / "scheduler.log")
        return Setup(
            "PostgreSQL + Redis, gunicorn 2 workers + vetbot scheduler",
            [web, scheduler],
            database_url,
        )
    port = free_port()
    serve = Server(
        "vetbot serve", [_vetbot(), "serve", "--port", str(port)], env, port, temp / "serve.log"
    )
    url = f"sqlite:///{instance / 'vetbot.sqlite3'}"
    return Setup(
        "embedded: vetbot serve (SQLite, in-process Redis, in-process scheduler)", [serve], url
    )


class Load:
    """Messages at a fixed rate from many people, each on a fresh connection."""

    def __init__(self, port: int, people: int, run_tag: str) -> None:
        mix = load_mix()
        self.texts = [t for kind in MIX_WEIGHTS for t in mix[kind]]
        self.weights = [
            MIX_WEIGHTS[kind] / len(mix[kind]) for kind in MIX_WEIGHTS for _ in mix[kind]
        ]
        self.openids = [f"o_soak_{run_tag}_{n:05d}" for n in range(people)]
        self.port = port
        self.settings = Settings(wechat_token=TOKEN)
        self.random = random.Random(20261202)
        self.lock = threading.Lock()

    def pick(self) -> tuple[str, str]:
        with self.lock:
            return (
                self.random.choice(self.openids),
                self.random.choices(self.texts, self.weights)[0],
            )

    def send(self, openid: str, message: str) -> str | None:
        query = "&".join(f"{k}={v}" for k, v in simulate.signed_args(self.settings).items())
        body = simulate.text_xml(openid, message).encode("utf-8")
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(
                "POST",
                f"/wechat?{query}",
                body,
                {"Content-Type": "text/xml", "Connection": "close"},
            )
            response = conn.getresponse()
            reply = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return f"connection: {type(exc).__name__}"
        finally:
            conn.close()
        if response.status != 200:
            return f"status {response.status}"
        if b"<MsgType><![CDATA[text]]></MsgType>" not in reply:
            return "not a text reply"
        if f"<ToUserName><![CDATA[{openid}]]>".encode() not in reply:
            return "reply not addressed to the sender"
        if APOLOGY_START in reply:
            return "the apology"
        return None

    def run(self, count: int, rate: float, threads: int) -> list[Sent]:
        """Message i leaves at i / rate seconds (late ones at once), whatever the answers do."""
        counter = itertools.count()
        results: list[Sent] = []
        began = time.monotonic()

        def worker() -> None:
            mine = []
            while (index := next(counter)) < count:
                due = began + index / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                openid, message = self.pick()
                sent_at = time.monotonic()
                problem = self.send(openid, message)
                mine.append(Sent(sent_at - began, (time.monotonic() - sent_at) * 1000, problem))
            with self.lock:
                results.extend(mine)

        pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return sorted(results, key=lambda s: s.at)


def logged(database_url: str, run_tag: str) -> tuple[int, int]:
    """(inbound log rows, distinct dedup keys among them) of this run's people."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows, keys = conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT m.dedup_key) FROM message_log m "
                    "JOIN person p ON p.id = m.person_id "
                    "WHERE p.openid LIKE :prefix AND m.direction = 'in'"
                ),
                {"prefix": f"o_soak_{run_tag}_%"},
            ).one()
    finally:
        engine.dispose()
    return int(rows), int(keys)


def report_windows(results: list[Sent], windows: int) -> None:
    size = max(1, len(results) // windows)
    print(f"{'window':>8}{'messages':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for n in range(windows):
        part = results[n * size : (n + 1) * size if n < windows - 1 else len(results)]
        latencies = [s.latency_ms for s in part]
        errors = sum(1 for s in part if s.problem)
        print(
            f"{n + 1:>8}{len(part):>10}{percentile(latencies, 50):9.1f}"
            f"{percentile(latencies, 99):9.1f}{errors:>8}"
        )


def grew(before: float, after: float, slack: float = 0.0) -> bool:
    return after - before > max(slack, GROWTH_LIMIT * before)


def report_processes(before: list[ProcessStats], after: list[ProcessStats]) -> bool:
    """Each process's figures then and now; True when nothing grew past the limit."""
    ok = True
    print(f"{'process':<22}{'pid':>8}{'RSS MB':>16}{'sockets':>12}{'threads':>12}")
    now = {p.pid: p for p in after}
    for first in before:
        last = now.get(first.pid)
        if last is None:
            print(f"{first.name:<22}{first.pid:>8}  gone (restarted?)")
            ok = False
            continue
        flag = (
            "  GREW"
            if grew(first.rss_mb, last.rss_mb)
            or grew(first.sockets, last.sockets, COUNT_SLACK)
            or grew(first.threads, last.threads, COUNT_SLACK)
            else ""
        )
        ok = ok and not flag
        print(
            f"{first.name:<22}{first.pid:>8}{first.rss_mb:7.1f} → {last.rss_mb:6.1f}"
            f"{first.sockets:>5} → {last.sockets:<4}{first.threads:>5} → {last.threads:<4}{flag}"
        )
    return ok


def _problems(server: Server) -> str:
    """The server log's warnings, errors and tracebacks (not its request lines)."""
    lines = server.log_tail(100_000).splitlines()
    keep = [line for line in lines if " INFO " not in line]
    return "\n".join(keep[-60:])


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    run_tag = secrets.token_hex(3)
    with ExitStack() as stack:
        temp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vetbot-soak-")))
        setup = start(temp, run_tag)
        print(
            f"soak benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, load {os.getloadavg()[0]:.2f}"
        )
        print(f"setup: {setup.name}")
        print(
            f"load: {options.messages} messages of the real-traffic mix at {options.rate:g}/s "
            f"from {options.people} people, each on a fresh connection; "
            f"{options.warmup} warm-up first"
        )
        try:
            for server in setup.servers:
                stack.callback(server.stop)
                server.start()
            web = setup.servers[0]
            web.wait_ready("/healthz")
            for server in setup.servers:
                assert server.process is not None
                setup.roots[server.name] = server.process.pid
            load = Load(web.port, options.people, run_tag)
            warm = load.run(options.warmup, options.rate, options.threads)
            before = snapshot(setup.roots)
            began = time.monotonic()
            results = load.run(options.messages, options.rate, options.threads)
            elapsed = time.monotonic() - began
            time.sleep(3)  # the batched log writers' last rounds
            after = snapshot(setup.roots)
        except ServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            for server in reversed(setup.servers):
                server.stop()
        problems: dict[str, int] = {}
        for s in warm + results:
            if s.problem:
                problems[s.problem] = problems.get(s.problem, 0) + 1
        answered = sum(1 for s in warm + results if not s.problem)
        rows, keys = logged(setup.database_url, run_tag)
        print(f"\n{len(results)} messages in {elapsed:.0f} s ({len(results) / elapsed:.1f}/s)")
        report_windows(results, options.windows)
        print()
        steady = report_processes(before, after)
        errors = sum(problems.values())
        print(f"\nerrors: {errors} {problems or ''}")
        print(
            f"message log: {rows} inbound rows, {keys} distinct, for {answered} answered "
            f"messages (warm-up included) -> "
            f"{'exactly once' if rows == keys == answered else 'MISMATCH'}"
        )
        verdict = errors == 0 and steady and rows == keys == answered
        print(
            f"targets (0 errors, growth <= {GROWTH_LIMIT:.0%}, every message logged once): "
            f"{'met' if verdict else 'MISSED'}"
        )
        if not verdict:
            for server in setup.servers:
                print(f"--- {server.name} log ---\n{_problems(server)}", file=sys.stderr)
        return 0 if verdict else 1
