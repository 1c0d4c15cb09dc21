"""What every HTTP benchmark here needs: a server it owns, a load generator, statistics.

The load generator is plain ``http.client`` on threads, one keep-alive connection per
thread, with every request built before the clock starts: on a small machine the
client shares the CPUs with the servers, so the less it does per request the more the
figures say about the server. It stops by itself (a request count and a time limit).
"""

from __future__ import annotations

import http.client
import itertools
import math
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on now (the kernel's pick), for a server about to bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ServerError(RuntimeError):
    """A server did not come up or died; the message carries the end of its log."""


class Server:
    """One process we start (gunicorn master), answered on HOST:port, stopped by its pid.

    Started in its own session so that, should the master not stop on SIGTERM, its
    process group (only the processes it forked) can be killed without touching anything
    else on the machine.
    """

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], port: int, log_path: Path
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, probe_path: str, timeout: float = 90.0) -> None:
        """Until an HTTP answer comes back (any status): the app is loaded and a worker serves."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", probe_path)
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise ServerError(f"{self.name} not answering after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to its own group if it hangs."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Job:
    """One request, fully built in advance; ``tag`` (the sender) and ``key`` (the message
    sent) are what the check needs to recognise it."""

    path: str
    body: bytes
    tag: str
    key: str = ""


# A check looks at (job, status, body) and returns None, or what is wrong with the answer.
Check = Callable[[Job, int, bytes], str | None]


@dataclass
class LoadResult:
    sent: int
    ok: int
    elapsed: float
    latencies_ms: list[float]
    errors: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False
    # CPU seconds the server's processes used meanwhile (set by the caller; NaN if unknown).
    server_cpu_s: float = float("nan")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rps(self) -> float:
        """Correct answers per second: an error is not throughput."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def server_cpu_ms_per_request(self) -> float:
        """What one request costs the server in CPU, whatever the machine's load or cores."""
        return self.server_cpu_s * 1000.0 / self.sent if self.sent else float("nan")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc; NaN elsewhere.

    For a gunicorn master that is the master plus its workers, i.e. the whole server.
    """
    try:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            # After "(comm)": state ppid ... utime (11) stime (12), counted from state = 0.
            if int(entry.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total
    except (OSError, ValueError, IndexError):
        return float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


HEADERS = {"Content-Type": "text/xml", "User-Agent": "vetbot-bench"}


def run_load(
    port: int, jobs: Sequence[Job], concurrency: int, check: Check, max_seconds: float
) -> LoadResult:
    """Send every job over `concurrency` keep-alive connections, as fast as they answer.

    Ends when the jobs run out or after `max_seconds` (whatever was answered by then is
    the result, flagged `timed_out`). Latency is per request, from send to the last
    byte of the answer.
    """
    load = _Load(port, jobs, check, threading.Barrier(concurrency + 1))
    threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    load.deadline = time.monotonic() + max_seconds
    began = time.perf_counter()
    load.start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return LoadResult(
        sent=load.sent,
        ok=load.ok,
        elapsed=elapsed,
        latencies_ms=load.latencies,
        errors=load.errors,
        timed_out=load.timed_out,
    )


@dataclass
class _Load:
    """What the workers of one `run_load` share: the jobs, the start, the counts.

    A class rather than a closure inside `run_load` so that each part stays short enough
    to read; the request loop still works on locals and adds its counts once, at the end.
    """

    port: int
    jobs: Sequence[Job]
    check: Check
    start: threading.Barrier  # the workers and `run_load`: the clock starts when all are in
    counter: itertools.count[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)
    deadline: float = 0.0  # time.monotonic(); set by `run_load` just before the start
    timed_out: bool = False
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    ok: int = 0
    sent: int = 0

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def worker(self) -> None:
        """Take the next job until none is left or time is up; one connection, renewed as needed."""
        counter, jobs, check, error, port = (
            self.counter,
            self.jobs,
            self.check,
            self.error,
            self.port,
        )
        total = len(jobs)
        mine: list[float] = []
        ok = sent = 0
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.start.wait()
        perf = time.perf_counter
        try:
            while True:
                index = next(counter)
                if index >= total:
                    break
                if time.monotonic() > self.deadline:
                    self.timed_out = True
                    break
                job = jobs[index]
                sent += 1
                began = perf()
                try:
                    conn.request("POST", job.path, job.body, HEADERS)
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    error(f"connection: {type(exc).__name__}")
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    continue
                mine.append((perf() - began) * 1000.0)
                problem = check(job, response.status, body)
                if problem is None:
                    ok += 1
                else:
                    error(problem)
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
        finally:
            conn.close()
            with self.lock:
                self.latencies.extend(mine)
                self.ok += ok
                self.sent += sent
