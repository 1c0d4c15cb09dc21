"""`vetbot stations …`: import and export the service stations as CSV.

The file format is `core.booking.station_csv`'s (the sample is
content/stations/sample_stations.csv). Import is all rows or none; bookings an import
leaves without a slot stay active and are printed, for staff to move or cancel in the
console ("需处理的预约").
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
def stations() -> None:
    """Service stations (CSV import and export)."""


@stations.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def stations_import(file: Path) -> None:
    """Insert or update (by code) every station in FILE; nothing at all if any row is bad."""
    from core import csvio
    from core.booking import station_admin, station_csv
    from core.timeutil import local_text, utcnow

    def load(session: Session, data: bytes, settings: Settings) -> station_admin.ImportResult:
        limits = station_csv.limits(settings)
        text = csvio.decode(data, limits)
        return station_admin.import_stations(session, text, utcnow(), limits)

    result = import_file(file, load)
    click.echo(f"已导入 {file}：新增 {result.added} 个、更新 {result.updated} 个服务站。")
    if result.problems:
        click.echo(
            f"注意：{len(result.problems)} 个预约不在新的开放安排内（仍然有效），"
            "请在工作台“预约 → 需处理的预约”中改约或取消："
        )
        for p in result.problems:
            b = p.booking
            click.echo(f"  {b.code}  {local_text(b.slot.starts_at)}  {b.station.name}  {p.reason}")


@stations.command("export")
@click.option(
    "--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="write to this file"
)
def stations_export(target: Path | None) -> None:
    """Write every station as CSV (UTF-8), to --to FILE or standard output."""
    from core.booking.station_csv import export_csv

    export_file(target, export_csv, "服务站")
