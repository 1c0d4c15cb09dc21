"""Benchmark POST /wechat (vetbot's full path) against a minimal Flask + wechatpy endpoint.

Both are served by gunicorn with the same settings (bench/gateway/gunicorn_bench.py: the
production worker class and threads, 2 workers) on random loopback ports, started and
stopped here. Each request is a signed text message with its own MsgId, from one of ~200
people, drawn from a fixed mix of real traffic (bench/traffic/mix.yaml: varied policy
questions in everyday wording, natural requests for the bot's features, command words),
so vetbot does its real work every time: signature, parse, Redis dedup claim, router,
handler (FAQ matching for most), reply XML, and (in batches, in the same worker
processes, so in the CPU measured) the reply stored for retries and the person,
message-log and question-log rows. Two loads are measured by default: the whole mix,
and its policy questions alone; `--text` sends one message instead. Every answer is
checked (status 200, a text reply XML addressed to the sender, the content that message
got from the same server before the warm-up) and anything else counts as an error.

Measurements alternate baseline/vetbot (order swapped every repeat, so a drift of the
machine hits both alike) and the medians are reported with the ratio of throughputs,
which, unlike requests/s, can be compared between machines.

vetbot runs on a fresh temporary instance folder. VETBOT_DATABASE_URL and
VETBOT_REDIS_URL are passed through when set (the production-like setup), with a
unique Redis key prefix whose keys are deleted at the end; the database keeps the
rows of the benchmark's people (openids ``o_bench_<run>_<n>``), so point it at a
scratch database.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import pstats
import random
import re
import secrets
import sys
import tempfile
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from bench.common import (
    HOST,
    PROJECT_ROOT,
    Job,
    LoadResult,
    Server,
    ServerError,
    free_port,
    median,
    process_tree_cpu,
    run_load,
)
from bot import simulate
from core.config import Settings

TOKEN = "vetbot-bench-token"
TARGET_RATIO = 0.7
TARGET_P99_MS = 50.0
CONFIG = PROJECT_ROOT / "bench" / "gateway" / "gunicorn_bench.py"
WORKERS = 2
# Every Nth answer is also parsed as XML in full; the cheap byte checks see all of them.
FULL_PARSE_EVERY = 50
# Module-level constant of bot.pipeline, copied here to keep the client free of SQLAlchemy.
APOLOGY_START = "抱歉，系统刚才出了点问题"
MIX_FILE = PROJECT_ROOT / "bench" / "traffic" / "mix.yaml"
# The mix's shares of traffic: most people ask about policy, many ask for a feature in
# their own words, some type or tap a command.
MIX_WEIGHTS = {"policy": 5, "requests": 3, "commands": 2}
LOADS = ("mix", "policy")


@dataclass(frozen=True)
class Options:
    requests: int
    warmup: int
    concurrency: int
    repeats: int
    max_seconds: float
    people: int
    text: str | None
    loads: tuple[str, ...]
    profile_dir: Path | None
    profile_clock: str


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateway",
        description="POST /wechat through vetbot's full path vs a minimal Flask + wechatpy "
        "endpoint, both under gunicorn (2 workers) on loopback.",
    )
    parser.add_argument("--requests", type=int, default=4000, help="per measurement (4000)")
    parser.add_argument(
        "--warmup", type=int, default=400, help="requests before measuring, per server (400)"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections (32)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per server (3)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=25.0,
        help="a measurement stops after this long even if requests remain (25)",
    )
    parser.add_argument("--people", type=int, default=200, help="distinct openids (200)")
    parser.add_argument(
        "--text", help="send only this message (default: the real-traffic mix, see --loads)"
    )
    parser.add_argument(
        "--loads",
        default=",".join(LOADS),
        help="with the mix: which loads to measure, of 'mix' (everything, weighted "
        f"{MIX_WEIGHTS}) and 'policy' (its policy questions alone) (mix,policy)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 repeat of 1000 requests")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile every worker (per thread) into DIR and print where vetbot's time "
        "goes; the figures of such a run are slowed by the profiler",
    )
    parser.add_argument(
        "--profile-clock",
        choices=("wall", "cpu"),
        default="wall",
        help="with --profile: wall time (where requests wait) or thread CPU time (wall)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.repeats, args.warmup = 1000, 1, args.people
        args.max_seconds = min(args.max_seconds, 15.0)
    if min(args.requests, args.concurrency, args.repeats, args.people) < 1:
        parser.error("--requests, --concurrency, --repeats and --people must be positive")
    loads = tuple(name.strip() for name in args.loads.split(",") if name.strip())
    if args.text is not None:
        loads = ("text",)
    elif not loads or any(name not in LOADS for name in loads):
        parser.error(f"--loads takes names from {', '.join(LOADS)}")
    return Options(
        requests=args.requests,
        warmup=max(args.warmup, 0),
        concurrency=args.concurrency,
        repeats=args.repeats,
        max_seconds=args.max_seconds,
        people=args.people,
        text=args.text,
        loads=loads,
        profile_dir=args.profile,
        profile_clock=args.profile_clock,
    )


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class ReplyCheck:
    """Is this answer the reply XML this job should get? Returns None or the problem.

    `contents` maps each message sent to the reply content the server gave it when probed.
    Links signed for the person (`?t=…`) differ from person to person and are compared
    without their token. A reply with other content is not an error but counted
    (`differed`): a person's earlier messages can change what a later one gets (the next
    page of jobs, a step of a flow the understanding step started), which the probe, a
    new person each, cannot show. Byte checks on every answer (cheap: the client shares
    the CPUs with the servers), a full XML parse on every FULL_PARSE_EVERY-th.
    """

    def __init__(self, contents: dict[str, str]) -> None:
        self.contents = {key: _unsigned(content) for key, content in contents.items()}
        self.content_bytes = {
            key: f"<Content><![CDATA[{content}]]></Content>".encode()
            for key, content in self.contents.items()
        }
        self.account = f"<FromUserName><![CDATA[{simulate.ACCOUNT}]]></FromUserName>".encode()
        self.counter = itertools.count()
        self.differed = 0

    def __call__(self, job: Job, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"status {status}"
        if not body.startswith(b"<xml>") or not body.rstrip().endswith(b"</xml>"):
            return "not a reply XML"
        if b"<MsgType><![CDATA[text]]></MsgType>" not in body:
            return "not a text reply"
        if f"<ToUserName><![CDATA[{job.tag}]]></ToUserName>".encode() not in body:
            return "reply not addressed to the sender"
        if self.account not in body:
            return "reply not from the account"
        if b"t=" in body:
            body = _unsigned(body.decode("utf-8")).encode("utf-8")
        if APOLOGY_START.encode() in body:
            return "the apology"
        if self.content_bytes[job.key] not in body:
            self.differed += 1  # see the docstring; one thread adds at a time (the GIL)
            return None
        if next(self.counter) % FULL_PARSE_EVERY == 0:
            return self.parse(job, body)
        return None

    def parse(self, job: Job, body: bytes) -> str | None:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return "reply XML does not parse"
        fields = {child.tag: _unsigned(child.text or "") for child in root}
        expected = {
            "ToUserName": job.tag,
            "FromUserName": simulate.ACCOUNT,
            "MsgType": "text",
            "Content": self.contents[job.key],
        }
        if root.tag != "xml" or any(fields.get(k) != v for k, v in expected.items()):
            return "reply XML fields differ"
        if not fields.get("CreateTime", "").isdigit():
            return "reply XML without CreateTime"
        return None


_SIGNED = re.compile(r"([?&]t=)[A-Za-z0-9._-]+")


def _unsigned(text: str) -> str:
    return _SIGNED.sub(r"\1…", text)


class Target:
    """One server under test and how to build requests for it."""

    def __init__(self, name: str, server: Server) -> None:
        self.name = name
        self.server = server
        self.check: ReplyCheck | None = None
        self.results: list[LoadResult] = []  # of the load being measured


def load_mix(path: Path = MIX_FILE) -> dict[str, list[str]]:
    """The traffic mix by kind (policy, requests, commands): bench/traffic/README.md."""
    raw = yaml.safe_load(path.read_text("utf-8"))
    return {kind: [str(text) for text in raw[kind]] for kind in MIX_WEIGHTS}


class Traffic:
    """Signed text messages from a fixed set of people, each with a fresh MsgId.

    Each message is drawn (seeded, so every run sends the same sequence) from `messages`
    with its weight: for the mix, a kind's weight is shared among its messages.
    """

    def __init__(self, messages: dict[str, float], people: int, run_tag: str) -> None:
        self.texts = list(messages)
        self.weights = list(messages.values())
        self.openids = [f"o_bench_{run_tag}_{n:03d}" for n in range(people)]
        self.settings = Settings(wechat_token=TOKEN)
        self.random = random.Random(20240601)

    @classmethod
    def for_load(cls, load: str, options: Options, run_tag: str) -> Traffic:
        if load == "text":
            assert options.text is not None
            return cls({options.text: 1.0}, options.people, run_tag)
        mix = load_mix()
        kinds = ["policy"] if load == "policy" else list(MIX_WEIGHTS)
        messages = {
            text: MIX_WEIGHTS[kind] / len(mix[kind]) for kind in kinds for text in mix[kind]
        }
        return cls(messages, options.people, run_tag)

    def job(self, openid: str, text: str | None = None) -> Job:
        if text is None:
            text = self.random.choices(self.texts, self.weights)[0]
        query = "&".join(f"{k}={v}" for k, v in simulate.signed_args(self.settings).items())
        body = simulate.text_xml(openid, text).encode("utf-8")
        return Job(path=f"/wechat?{query}", body=body, tag=openid, key=text)

    def warmup(self, count: int) -> list[Job]:
        """Everyone once first, so people exist before the clock starts; then at random."""
        first = [self.job(openid) for openid in self.openids[:count]]
        rest = [self.job(self.random.choice(self.openids)) for _ in range(count - len(first))]
        return first + rest

    def jobs(self, count: int) -> list[Job]:
        return [self.job(self.random.choice(self.openids)) for _ in range(count)]


def server_env(
    instance: Path, redis_prefix: str, profile_dir: Path | None, profile_clock: str
) -> dict[str, str]:
    """The environment both servers run in: ours, minus any vetbot/WeChat/gunicorn settings.

    Only the database and Redis URLs pass through; the instance folder, token and key
    prefix are the benchmark's own, so nothing real is read or written but those.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VETBOT_", "WECHAT_", "GUNICORN_", "BENCH_PROFILE_"))
    }
    for name in ("VETBOT_DATABASE_URL", "VETBOT_REDIS_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    env.update(
        VETBOT_ENV="development",
        VETBOT_INSTANCE_PATH=str(instance),
        VETBOT_REDIS_PREFIX=redis_prefix,
        VETBOT_DEMO_DATA="0",
        WECHAT_TOKEN=TOKEN,
        PYTHONUNBUFFERED="1",
    )
    if profile_dir is not None:
        env["BENCH_PROFILE_DIR"] = str(profile_dir)
        env["BENCH_PROFILE_CLOCK"] = profile_clock
    return env


def gunicorn_server(name: str, app: str, env: dict[str, str], logs: Path) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(CONFIG),
        "--workers",
        str(WORKERS),
        "--bind",
        f"{HOST}:{port}",
        app,
    ]
    return Server(name, argv, env, port, logs / f"{name}.log")


def probe_contents(target: Target, traffic: Traffic) -> dict[str, str]:
    """Every message once through the server, each from a person of its own: the reply
    content every later answer to that message must have."""
    jobs = [traffic.job(f"o_probe_{n:03d}", text) for n, text in enumerate(traffic.texts)]
    result: dict[str, str] = {}

    def capture(job: Job, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"status {status}: {body[:200]!r}"
        root = ET.fromstring(body)
        result[job.key] = root.findtext("Content") or ""
        return None

    outcome = run_load(target.server.port, jobs, 1, capture, 60.0)
    if outcome.ok != len(jobs):
        raise ServerError(f"{target.name} did not answer the probe messages: {outcome.errors}")
    for text, content in result.items():
        if not content or content.startswith(APOLOGY_START):
            raise ServerError(f"{target.name} answered {text!r} with {content!r}")
    return result


def measure(target: Target, jobs: list[Job], options: Options) -> LoadResult:
    assert target.check is not None
    assert target.server.process is not None
    pid = target.server.process.pid
    cpu_before = process_tree_cpu(pid)
    result = run_load(
        target.server.port, jobs, options.concurrency, target.check, options.max_seconds
    )
    result.server_cpu_s = process_tree_cpu(pid) - cpu_before
    return result


def describe(result: LoadResult) -> str:
    line = (
        f"{result.rps:8.1f} req/s  p50 {result.percentile(50):6.1f} ms  "
        f"p99 {result.percentile(99):6.1f} ms  server CPU "
        f"{result.server_cpu_ms_per_request:5.2f} ms/req  errors {result.error_count}/{result.sent}"
    )
    if result.timed_out:
        line += "  (stopped by --max-seconds)"
    if result.errors:
        line += "  " + ", ".join(f"{k}: {n}" for k, n in sorted(result.errors.items()))
    return line


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_header(options: Options, database: str, redis: str, embedded_redis: bool) -> None:
    import gunicorn

    from bench.gateway import gunicorn_bench

    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"gateway benchmark, {now}")
    print(
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), shared by the client and both "
        f"servers; Python {platform.python_version()}, gunicorn {gunicorn.__version__} "
        f"({gunicorn_bench.worker_class}, {WORKERS} workers x {gunicorn_bench.threads} threads, "
        "no access log)"
    )
    if options.text is not None:
        what = f"text {options.text!r}"
    else:
        mix = load_mix()
        what = "real-traffic mix ({}; weights {}), loads: {}".format(
            ", ".join(f"{len(v)} {k}" for k, v in mix.items()),
            MIX_WEIGHTS,
            ", ".join(options.loads),
        )
    print(
        f"load: POST /wechat {what}, unique MsgId each, {options.people} people, "
        f"{options.concurrency} keep-alive connections, {options.requests} requests per "
        f"measurement after {options.warmup} warm-up, {options.repeats} repeat(s) interleaved"
    )
    print(f"vetbot database: {database}")
    if embedded_redis:
        print(
            "vetbot redis: embedded fakeredis: each gunicorn worker has its own in-process "
            "Redis (dedup is not shared between workers; fine for a benchmark, not production)"
        )
    else:
        print(f"vetbot redis: {redis}")
    if options.profile_dir is not None:
        print(
            f"PROFILING ({options.profile_clock} clock): workers run under cProfile; "
            "these figures are slowed by it"
        )
    print()


def report(baseline: Target, vetbot: Target, concurrency: int, load: str) -> tuple[float, float]:
    """Medians per server, the ratio and the targets; returns (ratio, vetbot p99)."""
    print()
    print(f"[{load}] medians over {len(vetbot.results)} repeat(s):")
    print(f"  {'server':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'errors':>9}")
    figures = {}
    for target in (baseline, vetbot):
        results = target.results
        rps = median([r.rps for r in results])
        p50 = median([r.percentile(50) for r in results])
        p99 = median([r.percentile(99) for r in results])
        cpu = median([r.server_cpu_ms_per_request for r in results])
        errors = sum(r.error_count for r in results)
        figures[target.name] = (rps, p99)
        print(f"  {target.name:<9}{rps:9.1f}{p50:9.1f}{p99:9.1f}{cpu:12.2f}{errors:9d}")
    ratio = figures["vetbot"][0] / figures["baseline"][0] if figures["baseline"][0] else 0.0
    p99 = figures["vetbot"][1]
    per_repeat = ", ".join(
        f"{v.rps / b.rps:.2f}" for b, v in zip(baseline.results, vetbot.results, strict=True)
    )
    print(f"[{load}] ratio vetbot_rps / baseline_rps: {ratio:.2f}  (per repeat: {per_repeat})")
    print(
        f"target: ratio >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'MISSED'}; "
        f"vetbot p99 < {TARGET_P99_MS:.0f} ms at 32 connections: "
        f"{'met' if p99 < TARGET_P99_MS else 'MISSED'}"
        + ("" if concurrency == 32 else f" (this run used {concurrency})")
    )
    return ratio, p99


def print_profile(directory: Path, lines: int = 30) -> None:
    """Merge the workers' profiles of one server and show the top of it."""
    files = sorted(directory.glob("worker-*.prof"))
    if not files:
        print(f"no profile written in {directory}")
        return
    stats = pstats.Stats(str(files[0]), stream=sys.stdout)
    for path in files[1:]:
        stats.add(str(path))
    merged = directory / "merged.prof"
    stats.dump_stats(merged)
    print(f"\n=== {directory.name}: cumulative (merged from {len(files)} workers: {merged}) ===")
    stats.sort_stats("cumulative").print_stats(lines)
    print(f"=== {directory.name}: own time ===")
    stats.sort_stats("tottime").print_stats(lines)


def delete_redis_keys(url: str, prefix: str) -> int:
    """Remove what vetbot stored under this run's prefix (dedup markers, conversations)."""
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += client.delete(*batch)
            batch.clear()
    if batch:
        deleted += client.delete(*batch)
    return deleted


def run(options: Options) -> int:
    run_tag = secrets.token_hex(3)
    redis_prefix = f"vetbot-bench-gateway-{run_tag}:"
    database_url = os.environ.get("VETBOT_DATABASE_URL", "")
    redis_url = os.environ.get("VETBOT_REDIS_URL", "")
    with ExitStack() as stack:
        temp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vetbot-bench-")))
        instance = temp / "instance"
        instance.mkdir()
        database = (
            redact(database_url)
            if database_url
            else "embedded SQLite in a temporary instance folder"
        )
        print_header(options, database, redact(redis_url), not redis_url)

        profile_dirs = _profile_dirs(options.profile_dir)
        baseline = Target(
            "baseline",
            gunicorn_server(
                "baseline",
                "bench.gateway.baseline_app:app",
                server_env(instance, redis_prefix, profile_dirs["baseline"], options.profile_clock),
                temp,
            ),
        )
        vetbot = Target(
            "vetbot",
            gunicorn_server(
                "vetbot",
                "web.wsgi:app",
                server_env(instance, redis_prefix, profile_dirs["vetbot"], options.profile_clock),
                temp,
            ),
        )
        if redis_url:
            stack.callback(_cleanup_redis, redis_url, redis_prefix)
        errors = 0
        try:
            for target in (baseline, vetbot):
                stack.callback(target.server.stop)
                target.server.start()
            for target in (baseline, vetbot):
                target.server.wait_ready(
                    "/wechat?" + "&".join(f"{k}={v}" for k, v in _handshake().items())
                )
            for load in options.loads:
                errors += measure_load(
                    baseline, vetbot, Traffic.for_load(load, options, run_tag), options, load
                )
        except ServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            for target in (vetbot, baseline):
                target.server.stop()
        _report_end(errors, (baseline, vetbot), profile_dirs)
        return 1 if errors else 0


def _profile_dirs(root: Path | None) -> dict[str, Path | None]:
    """Each server's profile folder under `root`, emptied of an earlier run's files (or none).

    Apart from `run` so that it stays one readable sequence: servers up, loads, report.
    """
    dirs: dict[str, Path | None] = {"baseline": None, "vetbot": None}
    if root is not None:
        for name in dirs:
            directory = dirs[name] = root / name
            directory.mkdir(parents=True, exist_ok=True)
            for old in directory.glob("*.prof"):
                old.unlink()
    return dirs


def _report_end(
    errors: int, targets: tuple[Target, ...], profile_dirs: dict[str, Path | None]
) -> None:
    """After the loads: the servers' logs if any answer was wrong, then the profiles (if any)."""
    if errors:
        print(f"\n{errors} wrong answers: see the counts above", file=sys.stderr)
        for target in targets:
            print(f"--- {target.name} log ---\n{target.server.log_tail()}", file=sys.stderr)
    for name in ("vetbot", "baseline"):
        directory = profile_dirs[name]
        if directory is not None:
            print_profile(directory, lines=40 if name == "vetbot" else 15)


def measure_load(
    baseline: Target, vetbot: Target, traffic: Traffic, options: Options, load: str
) -> int:
    """Probe, warm up and measure both servers on one load; report it; the wrong answers."""
    for target in (baseline, vetbot):
        target.results = []
        target.check = ReplyCheck(probe_contents(target, traffic))
        warm = measure(target, traffic.warmup(options.warmup), options)
        print(f"[{load}] warm-up   {target.name:<9}{describe(warm)}")
        if warm.error_count:
            print(target.server.log_tail())
    for repeat in range(options.repeats):
        order = (baseline, vetbot) if repeat % 2 == 0 else (vetbot, baseline)
        for target in order:
            result = measure(target, traffic.jobs(options.requests), options)
            target.results.append(result)
            print(
                f"[{load}] repeat {repeat + 1}/{options.repeats}  {target.name:<9}{describe(result)}"
            )
    report(baseline, vetbot, options.concurrency, load)
    for target in (baseline, vetbot):
        assert target.check is not None
        sent = sum(r.sent for r in target.results)
        print(
            f"[{load}] {target.name}: {target.check.differed} of the replies (warm-up included; "
            f"{sent} measured) differed from the probe's: a person's earlier messages"
        )
    print()
    return sum(r.error_count for t in (baseline, vetbot) for r in t.results)


def _handshake() -> dict[str, str]:
    args = simulate.signed_args(Settings(wechat_token=TOKEN))
    args["echostr"] = "ready"
    return args


def _cleanup_redis(url: str, prefix: str) -> None:
    try:
        deleted = delete_redis_keys(url, prefix)
    except Exception as exc:  # a benchmark result is still a result without the cleanup
        print(f"could not delete Redis keys {prefix}*: {exc}", file=sys.stderr)
        return
    print(f"deleted {deleted} Redis keys under {prefix}")


def main(argv: list[str] | None = None) -> int:
    """0: every answer was right (the targets are reported, not enforced); 1: errors."""
    options = parse_args(argv)
    try:
        return run(options)
    except KeyboardInterrupt:  # the servers were stopped on the way out
        print("interrupted", file=sys.stderr)
        return 130
