"""Backups: back up, restore into a scratch database, and find every table's rows again.

SQLite always; PostgreSQL when the suite runs on it and pg_dump / pg_restore exist (CI's
second run), with the test database as the source and a scratch database as the target.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core import backup
from core.db import Base
from core.people.models import HandoverRequest, Person
from core.staff.models import AuditEntry


def _fill(url: str) -> None:
    """A small database: the whole schema, a few people, a request, an audit entry."""
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        people = [Person(openid=f"o-backup-{i}") for i in range(3)]
        session.add_all(people)
        session.add(HandoverRequest(person=people[0], note="备份测试"))
        session.add(
            AuditEntry(staff_username="admin", staff_role="district_admin", action="bookings.view")
        )
        session.commit()
    engine.dispose()


def test_sqlite_backup_restores_into_a_scratch_file_with_every_row(tmp_path: Path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    _fill(source)
    written = backup.backup(source, tmp_path / "backups" / "copy.sqlite3")
    scratch = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    backup.restore(written, scratch)
    restored = backup.row_counts(scratch)
    assert restored == backup.row_counts(source)
    assert restored["person"] == 3
    assert restored["audit_log"] == 1


def test_restore_refuses_a_missing_file_and_an_in_memory_database(tmp_path: Path):
    with pytest.raises(backup.BackupError, match="no backup file"):
        backup.restore(tmp_path / "nothing.dump", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(backup.BackupError, match="in-memory"):
        backup.backup("sqlite://", tmp_path / "x.sqlite3")


def test_the_default_file_name_says_when_and_what(tmp_path: Path):
    pg = backup.default_target(tmp_path, "postgresql+psycopg://u@h/db")
    lite = backup.default_target(tmp_path, "sqlite:///x.sqlite3")
    assert pg.parent == tmp_path / "backups"
    assert pg.name.startswith("vetbot-")
    assert pg.suffix == ".dump"
    assert lite.suffix == ".sqlite3"


def test_the_commands_back_up_and_restore_the_configured_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from web.cli import main

    monkeypatch.delenv("VETBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("VETBOT_INSTANCE_PATH", str(tmp_path))
    live = f"sqlite:///{tmp_path / 'vetbot.sqlite3'}"
    _fill(live)
    target = tmp_path / "nightly.sqlite3"
    made = CliRunner().invoke(main, ["backup", "--to", str(target)])
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.output

    engine = create_engine(live)
    with engine.begin() as connection:  # an accident after the backup
        connection.execute(delete(HandoverRequest))
        connection.execute(delete(Person))
    engine.dispose()
    refused = CliRunner().invoke(main, ["restore", str(target)], input="n\n")
    assert refused.exit_code != 0
    assert backup.row_counts(live)["person"] == 0
    restored = CliRunner().invoke(main, ["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert backup.row_counts(live)["person"] == 3


def _postgresql_url(base_settings) -> str | None:
    url = base_settings.sqlalchemy_url
    if not backup.is_postgresql(url):
        return None
    if not all(shutil.which(tool) for tool in backup.PG_TOOLS):
        return None
    return url


def test_postgresql_backup_restores_into_a_scratch_database(
    base_settings, app, factories, db_session, tmp_path: Path
):
    """pg_dump of the test database, pg_restore into a new database, same row counts."""
    url = _postgresql_url(base_settings)
    if url is None:
        pytest.skip("needs VETBOT_DATABASE_URL on PostgreSQL and pg_dump / pg_restore")
    person = factories.person("o-pg-backup")
    factories.handover(person, note="PostgreSQL 备份测试")
    db_session.commit()
    db_session.close()

    written = backup.backup(url, tmp_path / "test.dump")
    assert written.stat().st_size > 0
    scratch_name = f"vetbot_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{scratch_name}"'))
    scratch = make_url(url).set(database=scratch_name).render_as_string(hide_password=False)
    try:
        backup.restore(written, scratch)
        restored = backup.row_counts(scratch)
        assert restored == backup.row_counts(url)
        assert restored["person"] >= 1
        assert restored["handover_request"] >= 1
        assert "audit_log" in restored
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)'))
        admin.dispose()


def test_a_failing_pg_tool_says_why(tmp_path: Path):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with pytest.raises(backup.BackupError, match="pg_dump failed"):
        backup.backup(nowhere, tmp_path / "x.dump")
