"""Writing the message log and people's activity in batches, off the reply path.

WeChat gives us 5 seconds and a busy account sends many messages a second; a reply
that needs no database work should not wait for two log INSERTs and a person UPDATE.
When Redis has already guaranteed that a message is processed once, its log rows are
handed to this per-process writer, which upserts the people and inserts the rows in
batches (one transaction per batch, every few tens of milliseconds). Inserts are
idempotent on the dedup key, so a batch retried after an error never logs a message twice.

A batch is written with a fixed handful of statements whatever its size
(core.chatlog.activity_sql): the rows travel as one JSON document, so the SQL text
never changes (the driver and the database cache its plan) and the cost per message
is a few microseconds of JSON instead of an ORM flush.

A batch the database refuses while it answers is split until the bad row stands alone
(`_write_split`): only that row is dropped, and everyone else's person row and
48-hour-window time are written. Rows are bounded before they get here
(bot.inbound), so this is the net, not the rule.

When Redis is down the pipeline logs synchronously instead (the database's unique
dedup key is then what keeps retries out), so nothing here is needed for correctness.
A process that is killed can lose its last batch of log rows, never repeat them; a
gunicorn worker that stops normally writes what it holds first (gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from core.batching import Batcher
from core.chatlog import activity_sql
from core.db import db

log = logging.getLogger(__name__)

BATCH_MAX = 1000
# How long the writer lets a batch gather after the first message: bigger batches cost
# less per message; the log rows of a message are in the database this much later.
BATCH_WAIT_SECONDS = 0.05
QUEUE_MAX = 20_000
RETRIES = 3


@dataclass(frozen=True)
class LoggedExchange:
    """One message in and the reply out, as the log will hold them.

    `reply_payload_json` is the reply already serialised (the same text Redis keeps
    for retries), so it is encoded once per message.
    """

    openid: str
    at: datetime
    opens_window: bool
    msg_type: str
    content: str
    dedup_key: str
    reply_kind: str
    reply_text: str
    reply_payload_json: str
    handler: str | None
    intent: str | None
    understood: str | None = None  # the understanding step's intent, and its confidence
    confidence: float | None = None
    # Rows that belong with this message's log (see bot.context.Context.with_log):
    # "faq_query" (core.faq.answers.log_fields) and "faq_follow_up" ({key, chosen, unhelpful}).
    extras: dict[str, Any] | None = None


class ActivityWriter:
    """The per-process batch writer (core.batching), writing synchronously when full."""

    def __init__(self) -> None:
        self._batcher: Batcher[LoggedExchange] = Batcher(
            "activity-log",
            _write_with_retries,
            wait_seconds=BATCH_WAIT_SECONDS,
            max_batch=BATCH_MAX,
            max_pending=QUEUE_MAX,
        )

    def submit(self, item: LoggedExchange) -> None:
        if not self._batcher.add(item):
            log.warning("activity log queue full; writing synchronously")
            write_batch([item])

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is written (tests, worker exit).

        True when it was; False after `timeout` (a writer stuck on a dead database).
        """
        return self._batcher.flush(timeout)


def _write_with_retries(batch: list[LoggedExchange]) -> None:
    """Write the batch; if it fails while the database answers, split it (bisect) so one
    bad row never drops anyone else's; if the database is down, retry, then give up."""
    for attempt in range(1, RETRIES + 1):
        try:
            write_batch(batch)
            return
        except Exception:  # a failed batch must not kill the writer thread
            log.exception("writing %d log rows failed (attempt %d)", len(batch), attempt)
        if _database_answers():
            _write_split(batch)
            return
        time.sleep(0.2 * attempt)
    log.error("dropped %d message-log rows after %d attempts", len(batch), RETRIES)


def _write_split(batch: list[LoggedExchange]) -> None:
    """The database answers but refused this batch: some row in it is bad. Write each half
    on its own, splitting again the half that fails, until the bad rows stand alone and
    are the only ones dropped (a few statements per bad row, log2 of the batch deep)."""
    if len(batch) == 1:
        log.error(
            "dropped the message-log rows of %s: the database refused them", batch[0].dedup_key
        )
        return
    middle = len(batch) // 2
    for half in (batch[:middle], batch[middle:]):
        try:
            write_batch(half)
        except Exception:
            log.warning("a part of %d log rows failed; splitting it", len(half), exc_info=True)
            _write_split(half)


def _database_answers() -> bool:
    """Whether the database is reachable at all: a failure then lies in the rows."""
    assert db.engine is not None
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # down, or the pool exhausted: either way not the rows' fault
        return False
    return True


def write_batch(batch: list[LoggedExchange]) -> None:
    """Upsert the people, then insert both log rows of each new exchange; one transaction.

    A message already logged (same dedup key, in the database or earlier in the batch)
    gets no second pair of rows.
    """
    unique: dict[str, LoggedExchange] = {}
    for item in batch:
        unique.setdefault(item.dedup_key, item)
    if not unique:
        return
    assert db.engine is not None
    with db.engine.begin() as connection:
        activity_sql.write(connection, list(unique.values()))


activity_writer = ActivityWriter()
