"""gunicorn settings for both servers of the gateway benchmark.

Both vetbot and the baseline run under this one file so they differ only in the app:
worker class, threads, keep-alive, timeouts, preloading and vetbot's ``post_fork`` and
``worker_exit`` come from the project's production ``gunicorn.conf.py``; the benchmark
only sets the bind address and worker count (on the command line) and turns the access
log off for both, since writing one line per request is the same cost on each side and
is not what is being compared.

With ``BENCH_PROFILE_DIR`` set, every worker wraps its WSGI app in a per-thread
cProfile and writes ``worker-<pid>.prof`` there when it exits: gthread runs requests
on pool threads, which a profiler enabled in the worker's main thread would not see.
``BENCH_PROFILE_CLOCK=cpu`` times with the thread's CPU clock instead of the wall
clock: wall time shows where a request waits (locks, I/O), CPU time what it computes.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import sys
import threading
import time
from pathlib import Path

_production = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))

worker_class = _production["worker_class"]
threads = _production["threads"]
keepalive = _production["keepalive"]
timeout = _production["timeout"]
graceful_timeout = _production["graceful_timeout"]
preload_app = _production["preload_app"]
accesslog = None
errorlog = "-"
loglevel = "warning"


def post_fork(server, worker):
    """vetbot's own hook (dispose pooled connections); the baseline has nothing to reset."""
    if "core.db" in sys.modules:
        _production["post_fork"](server, worker)


class _Profiled:
    """WSGI middleware: one cProfile per serving thread, enabled only inside a request."""

    def __init__(self, app) -> None:
        self.app = app
        self.local = threading.local()
        self.lock = threading.Lock()
        self.profiles: list[cProfile.Profile] = []

    def _profile(self) -> cProfile.Profile:
        profile = getattr(self.local, "profile", None)
        if profile is None:
            if os.environ.get("BENCH_PROFILE_CLOCK") == "cpu":
                profile = cProfile.Profile(time.thread_time)
            else:
                profile = cProfile.Profile()
            self.local.profile = profile
            with self.lock:
                self.profiles.append(profile)
        return profile

    def __call__(self, environ, start_response):
        profile = self._profile()
        profile.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            profile.disable()

    def dump(self, path: str) -> None:
        import pstats

        with self.lock:
            profiles = list(self.profiles)
        if not profiles:
            return
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(path)


def post_worker_init(worker):
    if os.environ.get("BENCH_PROFILE_DIR"):
        worker.wsgi = _Profiled(worker.wsgi)


def worker_exit(server, worker):
    """vetbot's own hook (write what is still batched); then the profile, if any."""
    if "core.db" in sys.modules:
        _production["worker_exit"](server, worker)
    directory = os.environ.get("BENCH_PROFILE_DIR")
    if directory and isinstance(getattr(worker, "wsgi", None), _Profiled):
        worker.wsgi.dump(os.path.join(directory, f"worker-{worker.pid}.prof"))
