"""`vetbot serve`, `db`, `user`, `ask`, `menu` and `scheduler`."""

from __future__ import annotations

import json

import click

from core.config import Settings
from web.cli.app import app as _app
from web.cli.app import settings as _settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the service on embedded defaults (or whatever the environment names)."""
    from core.demo import DEMO_ACCOUNTS
    from core.startup import prepare_database, warm_up

    settings = _settings()
    if settings.public_base_url == Settings().public_base_url:
        settings = settings.with_overrides(public_base_url=f"http://{host}:{port}")
    app = _app(settings)
    prepare_database(settings)
    warm_up(settings)
    from scheduler.runner import start_in_process

    in_process = start_in_process(settings)
    base = settings.public_base_url
    click.echo(
        f"vetbot is running ({settings.env}); database: {settings.sqlalchemy_url.split('@')[-1]}"
    )
    click.echo(f"  chat simulator:  {base}/simulator")
    click.echo(f"  staff console:   {base}/console")
    click.echo(f"  WeChat callback: {base}/wechat   health: {base}/healthz")
    if in_process is not None:
        click.echo(
            "  scheduler:       in this process (reminders, broadcasts, digest); "
            "VETBOT_SERVE_SCHEDULER=0 when a separate `vetbot scheduler` runs"
        )
    if settings.load_demo_data:
        accounts = ", ".join(f"{u} / {p} ({r})" for u, p, r, _ in DEMO_ACCOUNTS)
        click.echo(f"  demo logins (sample accounts; change them before real use): {accounts}")
    else:
        click.echo(
            "  log in with an account made by: vetbot user create NAME --role district_admin"
        )
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    from core import migrate

    settings = _settings()
    _app(settings)
    migrate.upgrade(settings.sqlalchemy_url, revision)
    click.echo(f"database at {revision}")


@db.command("revision")
@click.argument("message")
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from core import migrate

    settings = _settings()
    _app(settings)
    migrate.revision(settings.sqlalchemy_url, message)


@click.group()
def user() -> None:
    """Staff console accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["district_admin", "station_staff"]), required=True)
@click.option("--name", "display_name", default="")
@click.option("--station-id", type=int, default=None)
@click.password_option()
def user_create(
    username: str, role: str, display_name: str, station_id: int | None, password: str
) -> None:
    """Create a console user (the password is asked for twice)."""
    from core.db import db as database
    from core.staff.accounts import StaffError, create_user
    from core.startup import prepare_database

    settings = _settings()
    _app(settings)
    prepare_database(settings.with_overrides(load_demo_data=False))
    try:
        create_user(database.session(), username, password, role, display_name, station_id)
        database.session.commit()
    except StaffError as exc:
        database.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {username}")


@click.command()
@click.argument("text")
@click.option("--openid", default="cli-user", show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print reply, intent, faq_id, score, candidates."
)
def ask(text: str, openid: str, as_json: bool) -> None:
    """Send one text message through the real /wechat path and print the reply."""
    from bot import gateway, simulate
    from core.startup import prepare_database

    settings = _settings()
    app = _app(settings)
    prepare_database(settings)
    with app.app_context():
        outcome = gateway.handle(
            settings, simulate.signed_args(settings), simulate.text_xml(openid, text).encode()
        )
    reply = outcome.reply
    if reply is None:
        raise click.ClickException(f"the gateway refused the message ({outcome.status})")
    if as_json:
        payload = {
            "reply": None if reply.silent else reply.shown_text(),
            "intent": reply.intent,
            "faq_id": reply.faq_id,
            "score": reply.score,
            "candidates": reply.candidates,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(reply.shown_text() if not reply.silent else "(no reply)")


@click.group()
def menu() -> None:
    """The official account's custom menu (bot/menu.json)."""


@menu.command("check")
def menu_check() -> None:
    """Validate the menu file against WeChat's limits and the bot's routes."""
    from bot.menu import MenuError, load_menu

    settings = _settings()
    _app(settings)
    try:
        load_menu(base_url=settings.public_base_url)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("menu ok")


@menu.command("sync")
def menu_sync() -> None:
    """Validate the menu, then push it to WeChat (menu/create)."""
    from bot.menu import MenuError, load_menu
    from core.wechat.api import WeChatAPIError
    from core.wechat.outbound import wechat_api

    settings = _settings()
    _app(settings)
    try:
        menu_data = load_menu(base_url=settings.public_base_url)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from exc
    if not settings.outbound_enabled:
        raise click.ClickException(
            "WECHAT_APP_ID / WECHAT_APP_SECRET are not set: nothing to sync to."
        )
    try:
        wechat_api(settings).create_menu(menu_data)
    except WeChatAPIError as exc:
        raise click.ClickException(f"WeChat refused the menu: {exc.errcode} {exc.errmsg}") from exc
    click.echo("menu pushed to WeChat")


@click.command()
def scheduler() -> None:
    """Run the scheduler process (one per deployment)."""
    from scheduler.runner import run

    settings = _settings()
    _app(settings)
    run(settings)
