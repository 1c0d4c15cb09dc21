"""What every `vetbot` command needs: the settings, the app, and a clean exit.

Separate from the commands so that they can import it without importing each other
(web.cli's package only gathers them).
"""

from __future__ import annotations

import click
from flask import Flask

from core.config import ConfigError, Settings, load_settings


def settings() -> Settings:
    """The environment's settings; a wrong one (an unknown VETBOT_ENV) ends with its message."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def app(chosen: Settings | None = None) -> Flask:
    """The app for these settings (storage configured, handlers registered)."""
    from web import create_app

    try:
        return create_app(chosen or settings())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def flush_writers() -> None:
    """Write what the batched writers hold (the message log, replies kept for retries)
    before a one-shot command exits: their threads are daemons and would die with it."""
    from core.cache import cache
    from core.chatlog.activity_log import activity_writer

    activity_writer.flush()
    cache.deferred.flush()
