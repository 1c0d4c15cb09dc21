"""`vetbot backup` and `vetbot restore` (core.backup)."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli.app import settings as _settings


@click.command()
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="file to write (default: instance/backups/vetbot-<time>.dump or .sqlite3)",
)
def backup(target: Path | None) -> None:
    """Back up the database (pg_dump custom format, or SQLite's online backup)."""
    from core import backup as backups

    settings = _settings()
    url = settings.sqlalchemy_url
    target = target or backups.default_target(settings.instance_path, url)
    try:
        written = backups.backup(url, target)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = backups.row_counts(url)
    click.echo(f"backup written to {written} ({sum(counts.values())} rows in {len(counts)} tables)")


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask before overwriting the database")
def restore(source: Path, yes: bool) -> None:
    """Replace the database that VETBOT_DATABASE_URL names with the backup in SOURCE."""
    from core import backup as backups

    url = _settings().sqlalchemy_url
    where = url.split("@")[-1]
    if not yes:
        click.confirm(f"This replaces everything in {where} with {source}. Continue?", abort=True)
    try:
        backups.restore(source, url)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = backups.row_counts(url)
    click.echo(f"restored {source} into {where} ({sum(counts.values())} rows)")
