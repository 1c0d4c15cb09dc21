"""One measurement in a fresh process: N recipients, one broadcast, sent to the stand-in.

A fresh process per measurement makes the peak resident memory (ru_maxrss, a high-water
mark that never goes down) belong to that size alone. Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, update

from core import migrate
from core.bootstrap import init_core
from core.broadcast import ledger as broadcast_ledger
from core.broadcast import send as broadcast_send
from core.broadcast.models import SENT, Broadcast
from core.config import load_settings
from core.db import db
from core.jobs.models import Subscription
from core.people.models import Person
from core.timeutil import utcnow


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_people(session, run: str, count: int) -> None:
    now = utcnow()
    for start in range(0, count, 1000):
        people = [
            {"openid": f"o_bench_{run}_{n}", "subscribed": True, "last_message_at": now}
            for n in range(start, min(count, start + 1000))
        ]
        ids = session.scalars(insert(Person).returning(Person.id), people).all()
        session.execute(
            insert(Subscription),
            [{"person_id": i, "jobs": True, "towns": [], "industries": []} for i in ids],
        )
        session.commit()


def cpu_seconds() -> float:
    """User + system CPU of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    recipients, rate, workers, batch, api_url, run = sys.argv[1:7]
    with tempfile.TemporaryDirectory(prefix="vetbot-bench-broadcast-") as tmp:
        settings = load_settings().with_overrides(
            instance_path=Path(tmp),
            wechat_app_id="wx-bench",
            wechat_app_secret="bench-secret",
            wechat_api_base_url=api_url,
            wechat_api_timeout=5.0,
            broadcast_rate=float(rate),
            broadcast_workers=int(workers),
            broadcast_batch=int(batch),
            redis_prefix=f"vetbot-bench-broadcast-{run}:",
        )
        init_core(settings)
        migrate.upgrade(settings.sqlalchemy_url)
        session = db.session()
        # Earlier runs' people stay in a scratch database: they unfollow, so "all" is this run's.
        session.execute(
            update(Person).where(Person.openid.like("o_bench_%")).values(subscribed=False)
        )
        add_people(session, run, int(recipients))
        broadcast = Broadcast(
            title="基准测试",
            body="基准测试消息",
            segment="all",
            send_at=utcnow(),
            ledger_ready=False,
        )
        session.add(broadcast)
        session.commit()
        before = rss_mb()
        started = time.perf_counter()
        broadcast_ledger.build(session, settings, broadcast, utcnow())
        built, cpu_before = time.perf_counter(), cpu_seconds()
        broadcast_send.run(session, settings, broadcast.id)
        finished, cpu_used = time.perf_counter(), cpu_seconds() - cpu_before
        report = broadcast_ledger.report(session, broadcast.id)
        print(
            json.dumps(
                {
                    "recipients": report.total,
                    "sent": report.statuses[SENT],
                    "other": {k: v for k, v in report.statuses.items() if k != SENT},
                    "ledger_s": built - started,
                    "send_s": finished - built,
                    "cpu_ms_per_msg": 1000 * cpu_used / max(1, report.statuses[SENT]),
                    "rss_before_mb": before,
                    "peak_mb": peak_mb(),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
