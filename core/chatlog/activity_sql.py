"""The batch writer's SQL: people and both log rows of many messages in a few statements.

The rows go to the database as one JSON document (`json_to_recordset` on PostgreSQL,
`json_each` on SQLite), so each statement's text is the same for every batch: the
driver converts it once, the database plans it once, and a batch of 200 messages costs
about what one message did through the ORM. Times are sent as the driver would store
them (ISO 8601 with the zone for PostgreSQL, SQLAlchemy's text format for SQLite), so
the rows read back exactly like ORM-written ones.

Only used by core.chatlog.activity_log; the rules (who is created, which times move,
a dedup key logged once) are the same on both databases and tested on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from core.chatlog.models import IN, OUT
from core.db import UTCDateTime

if TYPE_CHECKING:
    from core.chatlog.activity_log import LoggedExchange


def write(connection: Connection, batch: list[LoggedExchange]) -> None:
    """Log `batch` (dedup keys unique within it) inside the connection's transaction."""
    if connection.dialect.name == "postgresql":
        _write_postgresql(connection, batch)
    else:
        _write_sqlite(connection, batch)


def _people(batch: list[LoggedExchange], stamps: list[str]) -> list[dict[str, Any]]:
    """One row per person: first and last time seen, last time they opened the window.

    Stamps have a fixed width, so comparing them as text compares the times.
    """
    people: dict[str, dict[str, Any]] = {}
    for item, at in zip(batch, stamps, strict=True):
        row = people.get(item.openid)
        message = at if item.opens_window else None
        if row is None:
            people[item.openid] = {
                "openid": item.openid,
                "first_seen": at,
                "last_seen": at,
                "last_message": message,
            }
            continue
        row["first_seen"] = min(row["first_seen"], at)
        row["last_seen"] = max(row["last_seen"], at)
        if message is not None:
            last = row["last_message"]
            row["last_message"] = message if last is None else max(last, message)
    return list(people.values())


def _exchanges_json(
    batch: list[LoggedExchange], stamps: list[str], person_ids: dict[str, int] | None = None
) -> str:
    """The exchanges as a JSON array; each reply payload goes in as the JSON it already is."""
    rows = []
    for n, (item, at) in enumerate(zip(batch, stamps, strict=True)):
        fields = {
            "n": n,
            "openid": item.openid,
            "at": at,
            "msg_type": item.msg_type,
            "content": item.content,
            "dedup_key": item.dedup_key,
            "reply_kind": item.reply_kind,
            "reply_text": item.reply_text,
            "handler": item.handler,
            "intent": item.intent,
            "understood": item.understood,
            "confidence": item.confidence,
        }
        if person_ids is not None:
            fields["person_id"] = person_ids[item.openid]
        if item.extras and item.extras.get("faq_query"):
            fields["faq_query"] = item.extras["faq_query"]
        head = json.dumps(fields, ensure_ascii=False)
        rows.append(head[:-1] + ', "reply_payload": ' + item.reply_payload_json + "}")
    return "[" + ", ".join(rows) + "]"


def _dumps(rows: object) -> str:
    return json.dumps(rows, ensure_ascii=False)


def _follow_ups(batch: list[LoggedExchange]) -> str | None:
    """The batch's follow-ups to earlier questions, one per question, in message order: the
    last choice wins, and "没用" once is enough."""
    merged: dict[str, dict[str, Any]] = {}
    for item in batch:
        follow_up = (item.extras or {}).get("faq_follow_up")
        if not follow_up:
            continue
        row = merged.setdefault(follow_up["key"], {"key": follow_up["key"], "unhelpful": False})
        if follow_up.get("chosen"):
            row["chosen"] = follow_up["chosen"]
        row["unhelpful"] = row["unhelpful"] or bool(follow_up.get("unhelpful"))
    return _dumps(list(merged.values())) if merged else None


# -- PostgreSQL: one statement --------------------------------------------------------
# Data-modifying CTEs: the people upsert returns every person's id (inserted or
# updated), the inbound insert returns only the rows it really inserted (a dedup key
# already logged conflicts and is skipped), and only those get a reply row. Foreign
# keys are checked at the end of the statement, when all three inserts are done.
POSTGRESQL_BATCH = text(
    f"""
WITH people_in AS (
    SELECT * FROM json_to_recordset(CAST(:people AS json))
        AS r(openid text, first_seen timestamptz, last_seen timestamptz,
             last_message timestamptz)
),
src AS (
    SELECT * FROM json_to_recordset(CAST(:exchanges AS json))
        AS r(n int, openid text, at timestamptz, msg_type text, content text, dedup_key text,
             reply_kind text, reply_text text, reply_payload json, handler text, intent text,
             understood text, confidence float8, faq_query json)
),
people AS (
    INSERT INTO person AS p (openid, subscribed, first_seen_at, last_seen_at, last_message_at)
    SELECT openid, true, first_seen, last_seen, last_message FROM people_in
    ON CONFLICT (openid) DO UPDATE SET
        last_seen_at = GREATEST(p.last_seen_at, excluded.last_seen_at),
        last_message_at = GREATEST(p.last_message_at, excluded.last_message_at)
    RETURNING p.id, p.openid
),
inbound AS (
    INSERT INTO message_log (person_id, direction, msg_type, channel, dedup_key, content,
                             created_at)
    SELECT people.id, '{IN}', src.msg_type, 'passive', src.dedup_key, src.content, src.at
    FROM src JOIN people ON people.openid = src.openid
    ORDER BY src.n
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id, person_id, dedup_key
),
questions AS (
    INSERT INTO faq_query (person_id, dedup_key, channel, text, normalized, tier, faq_id, score,
                           candidates, unhelpful, resolved, created_at)
    SELECT inbound.person_id, inbound.dedup_key, q.channel, q.text, q.normalized, q.tier,
           q.faq_id, q.score, q.candidates, false, false, src.at
    FROM inbound JOIN src ON src.dedup_key = inbound.dedup_key
    CROSS JOIN LATERAL json_to_record(src.faq_query)
        AS q(channel text, text text, normalized text, tier text, faq_id text, score float8,
             candidates json)
    WHERE src.faq_query IS NOT NULL
    ORDER BY src.n
    ON CONFLICT (dedup_key) DO NOTHING
)
INSERT INTO message_log (person_id, direction, msg_type, channel, reply_to_id, content,
                         payload, handler, intent, understood, confidence, created_at)
SELECT inbound.person_id, '{OUT}', src.reply_kind, 'passive', inbound.id, src.reply_text,
       src.reply_payload, src.handler, src.intent, src.understood, src.confidence, src.at
FROM inbound JOIN src ON src.dedup_key = inbound.dedup_key
ORDER BY src.n
"""
)


# A separate statement, so it also sees the questions this batch has just logged.
POSTGRESQL_FOLLOW_UPS = text(
    """
UPDATE faq_query AS q
SET chosen_faq_id = COALESCE(f.chosen, q.chosen_faq_id), unhelpful = q.unhelpful OR f.unhelpful
FROM json_to_recordset(CAST(:follow_ups AS json)) AS f(key text, chosen text, unhelpful boolean)
WHERE q.dedup_key = f.key
"""
)


def _iso(at: datetime) -> str:
    """ISO 8601 in UTC with the zone and always the microseconds (a fixed width)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _write_postgresql(connection: Connection, batch: list[LoggedExchange]) -> None:
    stamps = [_iso(item.at) for item in batch]
    connection.execute(
        POSTGRESQL_BATCH,
        {"people": _dumps(_people(batch, stamps)), "exchanges": _exchanges_json(batch, stamps)},
    )
    follow_ups = _follow_ups(batch)
    if follow_ups:
        connection.execute(POSTGRESQL_FOLLOW_UPS, {"follow_ups": follow_ups})


# -- SQLite: three statements ------------------------------------------------------------
# SQLite has no data-modifying CTEs: the people's ids come back with RETURNING, and the
# reply rows are made for the dedup keys the inbound insert returned (only those it
# really inserted), finding their inbound row by the unique dedup key (CROSS JOIN keeps
# SQLite's loop over the batch outside, one index lookup per row). `WHERE true` is
# SQLite's required disambiguation of INSERT … SELECT … ON CONFLICT; `key` is the
# position in the JSON array.
SQLITE_PEOPLE = text(
    """
INSERT INTO person (openid, subscribed, first_seen_at, last_seen_at, last_message_at)
SELECT json_extract(value, '$.openid'), 1, json_extract(value, '$.first_seen'),
       json_extract(value, '$.last_seen'), json_extract(value, '$.last_message')
FROM json_each(:people) WHERE true
ON CONFLICT (openid) DO UPDATE SET
    last_seen_at = max(person.last_seen_at, excluded.last_seen_at),
    last_message_at = coalesce(
        max(person.last_message_at, excluded.last_message_at),
        excluded.last_message_at,
        person.last_message_at
    )
RETURNING id, openid
"""
)
SQLITE_INBOUND = text(
    f"""
INSERT INTO message_log (person_id, direction, msg_type, channel, dedup_key, content, created_at)
SELECT json_extract(value, '$.person_id'), '{IN}', json_extract(value, '$.msg_type'), 'passive',
       json_extract(value, '$.dedup_key'), json_extract(value, '$.content'),
       json_extract(value, '$.at')
FROM json_each(:exchanges) WHERE true
ORDER BY key
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id, dedup_key
"""
)
SQLITE_REPLIES = text(
    f"""
INSERT INTO message_log (person_id, direction, msg_type, channel, reply_to_id, content,
                         payload, handler, intent, understood, confidence, created_at)
SELECT json_extract(e.value, '$.person_id'), '{OUT}', json_extract(e.value, '$.reply_kind'),
       'passive', m.id, json_extract(e.value, '$.reply_text'),
       json_extract(e.value, '$.reply_payload'), json_extract(e.value, '$.handler'),
       json_extract(e.value, '$.intent'), json_extract(e.value, '$.understood'),
       json_extract(e.value, '$.confidence'), json_extract(e.value, '$.at')
FROM json_each(:exchanges) AS e
CROSS JOIN message_log AS m ON m.dedup_key = json_extract(e.value, '$.dedup_key')
WHERE json_extract(e.value, '$.dedup_key') IN (SELECT value FROM json_each(:new_keys))
ORDER BY e.key
"""
)


SQLITE_QUESTIONS = text(
    """
INSERT INTO faq_query (person_id, dedup_key, channel, text, normalized, tier, faq_id, score,
                       candidates, unhelpful, resolved, created_at)
SELECT json_extract(value, '$.person_id'), json_extract(value, '$.dedup_key'),
       json_extract(value, '$.faq_query.channel'), json_extract(value, '$.faq_query.text'),
       json_extract(value, '$.faq_query.normalized'), json_extract(value, '$.faq_query.tier'),
       json_extract(value, '$.faq_query.faq_id'), json_extract(value, '$.faq_query.score'),
       json_extract(value, '$.faq_query.candidates'), 0, 0, json_extract(value, '$.at')
FROM json_each(:exchanges)
WHERE json_extract(value, '$.faq_query') IS NOT NULL
  AND json_extract(value, '$.dedup_key') IN (SELECT value FROM json_each(:new_keys))
ORDER BY key
ON CONFLICT (dedup_key) DO NOTHING
"""
)
SQLITE_FOLLOW_UPS = text(
    """
UPDATE faq_query
SET chosen_faq_id = coalesce(json_extract(f.value, '$.chosen'), faq_query.chosen_faq_id),
    unhelpful = (faq_query.unhelpful OR json_extract(f.value, '$.unhelpful'))
FROM json_each(:follow_ups) AS f
WHERE faq_query.dedup_key = json_extract(f.value, '$.key')
"""
)


def _sqlite_stamp(connection: Connection) -> Callable[[datetime], Any]:
    """The text SQLAlchemy itself stores for a UTC datetime on this SQLite dialect."""
    process = UTCDateTime().dialect_impl(connection.dialect).bind_processor(connection.dialect)
    assert process is not None
    return process


def _write_sqlite(connection: Connection, batch: list[LoggedExchange]) -> None:
    stamp = _sqlite_stamp(connection)
    stamps = [stamp(item.at) for item in batch]
    people = connection.execute(SQLITE_PEOPLE, {"people": _dumps(_people(batch, stamps))})
    person_ids = {openid: person_id for person_id, openid in people}
    exchanges = _exchanges_json(batch, stamps, person_ids)
    inbound = connection.execute(SQLITE_INBOUND, {"exchanges": exchanges})
    new_keys = [dedup_key for _row_id, dedup_key in inbound]
    if new_keys:
        keys = {"exchanges": exchanges, "new_keys": _dumps(new_keys)}
        connection.execute(SQLITE_REPLIES, keys)
        if any(item.extras and item.extras.get("faq_query") for item in batch):
            connection.execute(SQLITE_QUESTIONS, keys)
    follow_ups = _follow_ups(batch)
    if follow_ups:
        connection.execute(SQLITE_FOLLOW_UPS, {"follow_ups": follow_ups})
