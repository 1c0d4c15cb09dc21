"""`vetbot jobs …`: import and export the job postings as CSV.

The file format is `core.jobs.csv_io`'s: English headers ref, employer, title, town,
industry, pay_min, pay_max, requirements, how_to_apply, veterans_priority, valid_until.
Import is all rows or none, each bad value printed with its line, column and the value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from web.cli.csv_files import export_file, import_file

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.config import Settings


@click.group()
def jobs() -> None:
    """Job postings (CSV import and export)."""


@jobs.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def jobs_import(file: Path) -> None:
    """Insert or update (by ref) every posting in FILE; nothing at all if any row is bad."""
    from core import csvio
    from core.jobs import csv_io as job_csv
    from core.timeutil import utcnow

    def load(session: Session, data: bytes, settings: Settings) -> job_csv.ImportResult:
        limits = job_csv.limits(settings)
        return job_csv.import_csv(session, csvio.decode(data, limits), utcnow(), limits)

    result = import_file(file, load)
    click.echo(f"已导入 {file}：新增 {result.added} 个、更新 {result.updated} 个岗位。")


@jobs.command("export")
@click.option(
    "--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="write to this file"
)
def jobs_export(target: Path | None) -> None:
    """Write every posting as CSV (UTF-8), to --to FILE or standard output."""
    from core.jobs.csv_io import export_csv

    export_file(target, export_csv, "岗位")
