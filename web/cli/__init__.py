"""The `vetbot` command: every subcommand, gathered from this package's modules."""

from __future__ import annotations

import sys

import click

from core.logs import configure_logging
from web.cli.app import flush_writers, settings
from web.cli.backup import backup, restore
from web.cli.commands import ask, db, menu, scheduler, serve, user
from web.cli.faq import faq
from web.cli.jobs import jobs
from web.cli.nlu import nlu
from web.cli.stations import stations

LONG_RUNNING = ("serve", "scheduler")


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """vetbot: Jiading veterans' employment service bot."""
    # Long-running processes log what they do; one-shot commands only warnings.
    long_running = ctx.invoked_subcommand in LONG_RUNNING
    configure_logging(settings().log_level if long_running else "WARNING")
    if not long_running:
        ctx.call_on_close(flush_writers)


for command in (serve, db, user, ask, menu, scheduler, faq, nlu, stations, jobs, backup, restore):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
