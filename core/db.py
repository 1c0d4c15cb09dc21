"""Database engine, the scoped session every layer shares, and the models' declarative base.

A plain SQLAlchemy 2.x setup (no Flask extension) so the scheduler and the CLI use
exactly the same session handling as the web app. Each domain package keeps its models
in its own `models.py` on this `Base`; core.tables imports them all, for Alembic.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# How long an SQLite writer waits for another's lock. Long for the console, the CLI and
# the scheduler; the chat path sets its own, shorter wait (Settings.chat_db_busy_seconds),
# since WeChat gives up on a reply after 5 s.
DEFAULT_BUSY_SECONDS = 15.0
# A database that is down, locked or out of connections: worth trying again later.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, PoolTimeout)

_busy = threading.local()


class Database:
    """Holds the engine and a thread-local session; configured once per process."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._url = ""
        self._factory = sessionmaker(expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self._factory)

    def configure(self, url: str) -> None:
        """Connect to `url`; again with the same URL, keep the engine there is.

        Replacing it would dispose of the pool under the sessions already made (another
        thread's, a test's), which keep the old engine: their connections would then be
        closed by nobody, only dropped by the garbage collector.
        """
        if self.engine is not None:
            if url == self._url:
                return
            self.session.remove()
            self.engine.dispose()
        self.engine = make_engine(url)
        self._url = url
        self._factory.configure(bind=self.engine)

    def remove(self, *_args: object) -> None:
        self.session.remove()

    @contextmanager
    def busy_timeout(self, seconds: float) -> Iterator[None]:
        """SQLite: connections this thread takes inside the block wait at most `seconds`
        for a lock (then raise "database is locked"). No effect on PostgreSQL."""
        previous = getattr(_busy, "seconds", None)
        _busy.seconds = seconds
        try:
            yield
        finally:
            _busy.seconds = previous


def make_engine(url: str) -> Engine:
    """SQLite gets WAL and a busy timeout so threads and the scheduler can share the file."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": DEFAULT_BUSY_SECONDS, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_busy_timeout)
        return engine
    # Recycling (not a ping per checkout) keeps a round trip off every request.
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL with NORMAL sync: durable across application crashes, one fsync per checkpoint.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dialect_insert(session: Session, model: type[object]) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT for `model`: both PostgreSQL's and SQLite's have ON CONFLICT
    (and RETURNING), which the portable `insert()` does not."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _sqlite_busy_timeout(dbapi_connection, record, _proxy) -> None:
    """Each checkout gets the wait of the thread taking it (db.busy_timeout), or the default:
    pooled connections move between the chat path and everything else. The connection
    remembers its wait, so a checkout that needs the same one sends no PRAGMA."""
    milliseconds = int((getattr(_busy, "seconds", None) or DEFAULT_BUSY_SECONDS) * 1000)
    if record.info.get("busy_ms") == milliseconds:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
    cursor.close()
    record.info["busy_ms"] = milliseconds


db = Database()

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Always hands back timezone-aware UTC, on SQLite (which drops the zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
