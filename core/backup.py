"""Backing up and restoring the database: `vetbot backup` and `vetbot restore`.

PostgreSQL: `pg_dump --format=custom` (compressed, restorable table by table, and
readable by `pg_restore --list`), restored with `pg_restore --clean --if-exists
--no-owner`. The password never goes on a command line (other users of the machine could
read it in the process list): it is passed to the tools in `PGPASSWORD`.

SQLite: Python's sqlite3 online backup API, which copies a consistent snapshot while the
service keeps writing (copying the file by hand could catch a write half-done).

`row_counts` counts every table's rows, so a restore can be checked against its source.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from core.timeutil import local, utcnow

PG_TOOLS = ("pg_dump", "pg_restore")
TOOL_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """A backup or restore that could not be done, with what to do about it."""


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def default_target(instance_path: Path, url: str) -> Path:
    """`instance/backups/vetbot-YYYYmmdd-HHMMSS.dump` (or `.sqlite3`), Shanghai time."""
    stamp = local(utcnow()).strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if is_postgresql(url) else "sqlite3"
    return instance_path / "backups" / f"vetbot-{stamp}.{suffix}"


def backup(url: str, target: Path) -> Path:
    """Write a backup of the database at `url` to `target` (its folder is created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_postgresql(url):
        _run("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], url)
    else:
        _sqlite_copy(_sqlite_path(url), target)
    return target


def restore(source: Path, url: str) -> None:
    """Replace the database at `url` with the backup in `source`.

    PostgreSQL: the database must exist (an empty one, or the one to overwrite: objects
    in the backup are dropped and recreated). SQLite: the file is overwritten.
    """
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if is_postgresql(url):
        _run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--exit-on-error", str(source)],
            url,
        )
    else:
        _sqlite_copy(source, _sqlite_path(url))


def row_counts(url: str) -> dict[str, int]:
    """Rows per table, for checking a restore against its source."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return {
                name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in names
            }
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("only an SQLite file can be backed up, not an in-memory database")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API, page by page."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _run(tool: str, arguments: list[str], url: str) -> None:
    """Run a PostgreSQL client tool against `url`, the password in the environment."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client), of the server's major version"
        )
    parsed = make_url(url)
    command = [executable, *_connection_options(parsed), *arguments]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    try:
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{tool} did not finish within {TOOL_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _connection_options(url: URL) -> list[str]:
    options = [f"--dbname={url.database}"]
    if url.host:
        options.append(f"--host={url.host}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"--username={url.username}")
    return [*options, "--no-password"]
