"""Database engine and the scoped session every layer shares.

A plain SQLAlchemy 2.x setup (no Flask extension) so the scheduler and the CLI use
exactly the same session handling as the web app.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """Holds the engine and a thread-local session; configured once per process."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self._factory)

    def configure(self, url: str) -> None:
        if self.engine is not None:
            self.session.remove()
            self.engine.dispose()
        self.engine = make_engine(url)
        self._factory.configure(bind=self.engine)

    def remove(self, *_args: object) -> None:
        self.session.remove()


def make_engine(url: str) -> Engine:
    """SQLite gets WAL and a busy timeout so threads and the scheduler can share the file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Recycling (not a ping per checkout) keeps a round trip off every request.
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # WAL with NORMAL sync: durable across application crashes, one fsync per checkpoint.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dialect_insert(session: Session, model: type[object]) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT for `model`: both PostgreSQL's and SQLite's have ON CONFLICT
    (and RETURNING), which the portable `insert()` does not."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


db = Database()
