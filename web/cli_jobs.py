"""`vetbot jobs …`: import and export the job postings as CSV.

The file format is `core.services.job_csv`'s: English headers ref, employer, title, town,
industry, pay_min, pay_max, requirements, how_to_apply, veterans_priority, valid_until.
Import is all rows or none, each bad row printed with its line and reason.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click


@click.group()
def jobs() -> None:
    """Job postings (CSV import and export)."""


@jobs.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def jobs_import(file: Path) -> None:
    """Insert or update (by ref) every posting in FILE; nothing at all if any row is bad."""
    from core import migrate
    from core.db import db
    from core.services import job_csv
    from core.timeutil import utcnow
    from web.cli import _app, _settings

    settings = _settings()
    _app(settings)
    migrate.upgrade(settings.sqlalchemy_url)
    session = db.session()
    try:
        text = job_csv.decode(file.read_bytes())
        result = job_csv.import_csv(session, text, utcnow())
        session.commit()
    except job_csv.JobImportError as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(problem)
        click.echo(f"未导入：{file} 中有 {len(exc.problems)} 处问题。")
        raise SystemExit(1) from exc
    click.echo(f"已导入 {file}：新增 {result.added} 个、更新 {result.updated} 个岗位。")


@jobs.command("export")
@click.option(
    "--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="write to this file"
)
def jobs_export(target: Path | None) -> None:
    """Write every posting as CSV (UTF-8), to --to FILE or standard output."""
    from core.db import db
    from core.services.job_csv import export_csv
    from web.cli import _app

    _app()
    text = export_csv(db.session())
    if target is None:
        click.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    count = len(list(csv.reader(io.StringIO(text)))) - 1
    click.echo(f"已导出 {count} 个岗位到 {target}")
