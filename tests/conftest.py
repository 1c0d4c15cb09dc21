"""Shared fixtures: settings, app, client, database session, Redis, factories.

The suite runs on whatever VETBOT_DATABASE_URL / VETBOT_REDIS_URL name (CI runs it
twice: embedded defaults, then PostgreSQL + Redis). The schema is migrated once per
run; each test gets its own Redis key prefix and empty tables afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core import migrate
from core.cache import Cache
from core.cache import cache as shared_cache
from core.chatlog.activity_log import activity_writer
from core.config import Settings, load_settings
from core.db import Base, db
from tests.clock import monday_morning  # noqa: F401  (fixture)
from tests.factories import Factories
from tests.standin import wechat_standin  # noqa: F401  (fixture)


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    instance = tmp_path_factory.mktemp("instance")
    settings = load_settings()
    return settings.with_overrides(
        env="testing",
        instance_path=Path(instance),
        load_demo_data=False,
        retry_wait_seconds=3.0,
        public_base_url="http://localhost",
    )


@pytest.fixture(scope="session")
def _schema(base_settings: Settings) -> None:
    base_settings.instance_path.mkdir(parents=True, exist_ok=True)
    db.configure(base_settings.sqlalchemy_url)
    migrate.upgrade(base_settings.sqlalchemy_url)


def _empty_tables() -> None:
    activity_writer.flush()
    db.session.remove()
    assert db.engine is not None
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt is slow on purpose (about 0.13 s a hash here) and the suite hashes hundreds of
    passwords. One round of PBKDF2 goes through the same code: a hash is stored with its
    method and checked by it. Production keeps werkzeug's default."""
    from core.staff import accounts as staff

    monkeypatch.setattr(
        staff, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1")
    )


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.with_overrides(redis_prefix=f"vetbot-test-{uuid.uuid4().hex[:12]}:")


@pytest.fixture
def cli_env(
    base_settings: Settings, settings: Settings, monkeypatch: pytest.MonkeyPatch, _schema: None
) -> Iterator[None]:
    """`vetbot` reads the environment: point it at the test database and a private prefix;
    tables emptied after."""
    monkeypatch.setenv("VETBOT_INSTANCE_PATH", str(base_settings.instance_path))
    monkeypatch.setenv("VETBOT_REDIS_PREFIX", settings.redis_prefix)
    monkeypatch.setenv("VETBOT_DEMO_DATA", "0")
    if base_settings.database_url:
        monkeypatch.setenv("VETBOT_DATABASE_URL", base_settings.database_url)
    yield
    _empty_tables()


@pytest.fixture
def make_app(_schema: None, settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Build an app with setting overrides (e.g. a dead Redis URL); tables emptied after."""
    from web import create_app

    def build(**overrides: object) -> Flask:
        app = create_app(settings.with_overrides(**overrides) if overrides else settings)
        app.config["TESTING"] = True
        return app

    yield build
    _empty_tables()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The thread's session, outside any app context so requests never share `g` with it."""
    yield db.session()
    db.session.remove()


@pytest.fixture
def redis_cache(app: Flask) -> Cache:
    return shared_cache


@pytest.fixture
def factories(db_session: Session) -> Factories:
    return Factories(db_session)


@pytest.fixture
def faq_loaded(db_session: Session) -> Session:
    """The real FAQ content (content/policy_faq/) loaded into the test database."""
    from core.faq.content import import_files

    import_files(db_session)
    db_session.commit()
    return db_session
