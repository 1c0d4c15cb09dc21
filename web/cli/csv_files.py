"""What every `vetbot … import` / `export` command does around its CSV service.

Import: the app and schema, at most the byte cap read from the file (core/csvio.py refuses
more, as the console does), one transaction that is committed whole or rolled back, and
each problem printed before exiting 1. Export: to a file (with a count) or standard
output. The commands only say which service to call and what the rows are called.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from core.config import Settings

R = TypeVar("R")


def import_file(file: Path, load: Callable[[Session, bytes, Settings], R]) -> R:
    """Run `load` in one transaction; on CsvImportError print its problems and exit 1."""
    from core import migrate
    from core.csvio import CsvImportError
    from core.db import db
    from web.cli.app import app as _app
    from web.cli.app import settings as _settings

    settings = _settings()
    _app(settings)
    migrate.upgrade(settings.sqlalchemy_url)
    session = db.session()
    try:
        with file.open("rb") as stream:
            data = stream.read(settings.csv_max_bytes + 1)  # one byte more: refused as too big
        result = load(session, data, settings)
        session.commit()
    except CsvImportError as exc:
        session.rollback()
        problems = exc.problems
        for problem in problems:
            click.echo(problem)
        click.echo(f"未导入：{file} 中有 {len(problems)} 处问题。")
        raise SystemExit(1) from exc
    return result


def export_file(target: Path | None, export: Callable[[Session], str], noun: str) -> None:
    """Write the CSV to `target`, or to standard output when none is given."""
    from core.db import db
    from web.cli.app import app as _app

    _app()
    text = export(db.session())
    if target is None:
        click.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    count = len(list(csv.reader(io.StringIO(text)))) - 1
    click.echo(f"已导出 {count} 个{noun}到 {target}")
