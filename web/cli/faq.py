"""`vetbot faq …`: check, import, export, evaluate and calibrate the policy FAQ."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from core.faq.catalog import Catalog
    from core.faq.check import DevItem


@click.group()
def faq() -> None:
    """The policy FAQ (content/policy_faq/)."""


@faq.command("check")
@click.option("--devset", type=click.Path(exists=True, path_type=Path), default=None)
def faq_check(devset: Path | None) -> None:
    """Validate the content files (and the dev set); exits 1 on any problem."""
    from core.faq.check import run_checks

    count, problems = run_checks(devset)
    for problem in problems:
        click.echo(problem)
    click.echo(f"{count} entries, {len(problems)} problems")
    if problems:
        raise SystemExit(1)


@faq.command("import")
def faq_import() -> None:
    """Load the content files into the database (insert or update by id)."""
    from core.db import db
    from core.faq.check import run_checks
    from core.faq.content import import_files
    from web.cli.app import app as _app
    from web.cli.app import settings as _settings

    count, problems = run_checks()
    if problems:
        raise click.ClickException(f"{len(problems)} problems; run `vetbot faq check` first")
    settings = _settings()
    _app(settings)
    from core import migrate

    migrate.upgrade(settings.sqlalchemy_url)
    added, updated = import_files(db.session())
    db.session.commit()
    click.echo(f"{count} entries read: {added} added, {updated} updated")


@faq.command("export")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), default=None)
def faq_export(directory: Path | None) -> None:
    """Write the database's FAQ back to the content files, for review and commit."""
    from core.db import db
    from core.faq.content import export_files
    from core.faq.schema import CONTENT_DIR
    from web.cli.app import app as _app

    _app()
    target = directory or CONTENT_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = export_files(db.session(), target)
    click.echo(f"wrote {len(written)} files to {target}")


HELD_OUT = "heldout"


@faq.command("eval")
@click.argument("file", type=click.Path(exists=True, path_type=Path), required=False)
@click.option(
    "--show-misses",
    is_flag=True,
    help="List the questions whose top answer is wrong; never those of the held-out part.",
)
def faq_eval(file: Path | None, show_misses: bool) -> None:
    """Top-1, top-3 and out-of-scope figures on a labelled set, beside the BM25 baseline.

    Held-out misses stay hidden: once someone tunes against them they stop being held out.
    """
    from core.faq.check import default_devset, load_devset
    from core.faq.evaluate import catalog_from_entries, evaluate_baseline, evaluate_matcher
    from core.faq.schema import load_entries

    path = file or default_devset()
    items = load_devset(path)
    entries = load_entries()
    catalog = catalog_from_entries(entries)
    parts = sorted({i.part for i in items if i.part})
    for part in [None, *parts]:
        chosen = [i for i in items if part is None or i.part == part]
        ours = evaluate_matcher(catalog, chosen)
        base = evaluate_baseline(entries, chosen)
        title = "all questions" if part is None else f"part {part!r}"
        click.echo(
            f"== {path.name}, {title}: {ours.in_scope} in scope, {ours.out_of_scope} out of scope"
        )
        for line in ours.lines() + base.lines():
            click.echo(line)
        # With parts, misses are listed per part (all but held-out); without, for the whole set.
        if show_misses and part != HELD_OUT and (part is not None or not parts):
            click.echo("misses (top-1 wrong):")
            for miss in ours.misses:
                click.echo("  " + miss)
    _echo_as_written(catalog, items, path)


def _echo_as_written(catalog: Catalog, items: list[DevItem], path: Path) -> None:
    """An audit that changed labels never hides the figures on the labels as first written."""
    from core.faq.evaluate import evaluate_matcher

    changed = sum(i.relabelled for i in items)
    if not changed:
        return
    report = evaluate_matcher(catalog, [i.as_written() for i in items])
    click.echo(
        f"== {path.name}, all questions, labels as first written "
        f"({changed} changed by the label audit, see eval/audit/README.md):"
    )
    for line in report.lines()[1:]:
        click.echo(line)


@faq.command("calibrate")
@click.option(
    "--off-topic", type=click.Path(exists=True, path_type=Path), default=None, help="YAML list"
)
def faq_calibrate(off_topic: Path | None) -> None:
    """Figures for choosing the matcher's thresholds, without the dev set.

    Cross-validation over the similar questions plus off-topic questions written for it.
    """
    from core.faq.calibrate import (
        OFF_TOPIC_FILE,
        cross_validation,
        load_off_topic,
        off_topic_samples,
        report_lines,
    )
    from core.faq.matcher import Thresholds
    from core.faq.schema import load_entries

    entries = load_entries()
    questions = load_off_topic(off_topic or OFF_TOPIC_FILE)
    samples = cross_validation(entries) + off_topic_samples(entries, questions)
    for line in report_lines(samples, Thresholds.current()):
        click.echo(line)
