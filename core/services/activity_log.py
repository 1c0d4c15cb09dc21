"""Writing the message log and people's activity in batches, off the reply path.

WeChat gives us 5 seconds and a busy account sends many messages a second; a reply
that needs no database work should not wait for two log INSERTs and a person UPDATE.
When Redis has already guaranteed that a message is processed once, its log rows are
handed to this per-process writer, which upserts the people and inserts the rows in
batches (one transaction per batch, every few milliseconds). Inserts are idempotent on
the dedup key, so a batch retried after an error never logs a message twice.

When Redis is down the pipeline logs synchronously instead (the database's unique
dedup key is then what keeps retries out), so nothing here is needed for correctness.
A process that is killed can lose the last few milliseconds of log rows, never repeat them.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.db import db
from core.models import MessageLog, Person
from core.models.message import IN, OUT

log = logging.getLogger(__name__)

BATCH_MAX = 500
BATCH_WAIT_SECONDS = 0.01
QUEUE_MAX = 20_000
RETRIES = 3


@dataclass(frozen=True)
class LoggedExchange:
    """One message in and the reply out, as the log will hold them."""

    openid: str
    at: datetime
    opens_window: bool
    msg_type: str
    content: str
    dedup_key: str
    reply_kind: str
    reply_text: str
    reply_payload: dict[str, Any]
    handler: str | None
    intent: str | None


class ActivityWriter:
    """A queue and one daemon thread per process (started lazily, so after a fork)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[LoggedExchange] = queue.Queue(maxsize=QUEUE_MAX)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, item: LoggedExchange) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            log.warning("activity log queue full; writing synchronously")
            write_batch([item])

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything submitted so far is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.002)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                if self._pid != os.getpid():
                    self._queue = queue.Queue(maxsize=QUEUE_MAX)  # a forked copy is not ours
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="activity-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + BATCH_WAIT_SECONDS
            while len(batch) < BATCH_MAX:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            try:
                _write_with_retries(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()


def _write_with_retries(batch: list[LoggedExchange]) -> None:
    for attempt in range(1, RETRIES + 1):
        try:
            write_batch(batch)
            return
        except Exception:  # a failed batch must not kill the writer thread
            log.exception("writing %d log rows failed (attempt %d)", len(batch), attempt)
            time.sleep(0.2 * attempt)
    log.error("dropped %d message-log rows after %d attempts", len(batch), RETRIES)


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def write_batch(batch: list[LoggedExchange]) -> None:
    """Upsert the people, then insert both log rows of each exchange; one transaction."""
    session = db.session()
    try:
        person_ids = _upsert_people(session, batch)
        inbound = _insert(session, MessageLog).on_conflict_do_nothing(index_elements=["dedup_key"])
        rows = session.execute(
            inbound.returning(MessageLog.id, MessageLog.dedup_key),
            [
                {
                    "person_id": person_ids[i.openid],
                    "direction": IN,
                    "msg_type": i.msg_type,
                    "channel": "passive",
                    "dedup_key": i.dedup_key,
                    "content": i.content,
                    "created_at": i.at,
                }
                for i in batch
            ],
        ).all()
        new_ids = {key: row_id for row_id, key in rows}
        replies = [
            {
                "person_id": person_ids[i.openid],
                "direction": OUT,
                "msg_type": i.reply_kind,
                "channel": "passive",
                "reply_to_id": new_ids[i.dedup_key],
                "content": i.reply_text,
                "payload": i.reply_payload,
                "handler": i.handler,
                "intent": i.intent,
                "created_at": i.at,
            }
            for i in batch
            if i.dedup_key in new_ids
        ]
        if replies:
            session.execute(_insert(session, MessageLog), replies)
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        db.session.remove()


def _upsert_people(session: Session, batch: list[LoggedExchange]) -> dict[str, int]:
    """Create unknown people and move last-seen / last-message times forward."""
    latest: dict[str, tuple[datetime, datetime | None]] = {}
    for item in batch:
        seen, message = latest.get(item.openid, (item.at, None))
        seen = max(seen, item.at)
        if item.opens_window:
            message = item.at if message is None else max(message, item.at)
        latest[item.openid] = (seen, message)
    stmt = _insert(session, Person)
    stmt = stmt.on_conflict_do_update(
        index_elements=["openid"],
        set_={
            "last_seen_at": stmt.excluded.last_seen_at,
            "last_message_at": func.coalesce(stmt.excluded.last_message_at, Person.last_message_at),
        },
    )
    session.execute(
        stmt,
        [
            {
                "openid": openid,
                "subscribed": True,
                "first_seen_at": seen,
                "last_seen_at": seen,
                "last_message_at": message,
            }
            for openid, (seen, message) in latest.items()
        ],
    )
    rows = session.execute(select(Person.id, Person.openid).where(Person.openid.in_(list(latest))))
    return {openid: person_id for person_id, openid in rows}


activity_writer = ActivityWriter()
