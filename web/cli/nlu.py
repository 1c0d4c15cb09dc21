"""`vetbot nlu …`: check the intents' content files, and measure understanding.

`eval` sends every message of a labelled set through the real /wechat path (a new person
each, on a scratch database with the demo data, "today" fixed at the set's reference day)
twice: as the bot is, and with the understanding step off (the command words and the FAQ,
as before it existed). It prints the figures of both for the whole set and each part, and
the misses and worst confusions of every part but the held-out one.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from bot.reply import Reply
    from core.config import Settings
    from core.nlu.evaluate import Labelled, Outcome

HELD_OUT = "heldout"
# "Today" in the label guide of the blind set: Monday 2026-12-07, a working morning.
REFERENCE_TIME = datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL_TZ)


@click.group()
def nlu() -> None:
    """Understanding everyday Chinese (content/intents/)."""


@nlu.command("check")
def nlu_check() -> None:
    """Validate the intents' content files; exits 1 on any problem."""
    from core.nlu.check import run_checks

    count, problems = run_checks()
    for problem in problems:
        click.echo(problem)
    click.echo(f"{count} phrasings, {len(problems)} problems")
    if problems:
        raise SystemExit(1)


@nlu.command("eval")
@click.argument("file", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--show-misses", is_flag=True, help="List misses; never those of the held-out part.")
def nlu_eval(file: Path | None, show_misses: bool) -> None:
    """Intent, slots and first-reply figures, beside the command words + FAQ baseline, on
    FILE or on every blind set (content/intents/eval/blind*.yaml)."""
    from core.content_files import read_yaml
    from core.nlu.check import BLIND_FILES
    from core.nlu.evaluate import load

    for path in [file] if file else BLIND_FILES:
        _evaluate(path, load(read_yaml(path)), show_misses=show_misses)


def _evaluate(path: Path, items: list[Labelled], *, show_misses: bool) -> None:
    """One test set's figures, whole and per part."""
    with tempfile.TemporaryDirectory(prefix="vetbot-nlu-eval-") as scratch:
        ours, base = _outcomes(items, Path(scratch))
    parts = sorted({i.part for i in items if i.part})
    for part in [None, *parts]:
        chosen = [n for n, i in enumerate(items) if part is None or i.part == part]
        title = "all messages" if part is None else f"part {part!r}"
        click.echo(f"== {path.name}, {title}: {len(chosen)} messages")
        _echo_part(
            [(items[n], ours[n]) for n in chosen],
            [(items[n], base[n]) for n in chosen],
            readable=_readable(part, [items[n] for n in chosen]),
            show_misses=show_misses,
        )


def _readable(part: str | None, items: list[Labelled]) -> bool:
    """Whether a section's confusions and misses may be shown: never when it holds a
    held-out message (the whole set does), so tuning never sees what the figure tests."""
    return part != HELD_OUT and all(i.part != HELD_OUT for i in items)


def _outcomes(items: list[Labelled], scratch: Path) -> tuple[list[Outcome], list[Outcome]]:
    """Each message's outcome with understanding on, and off, "today" at REFERENCE_TIME."""
    from core.config import load_settings
    from core.startup import prepare_database
    from core.timeutil import set_clock
    from web.cli.app import app as make_app

    settings = load_settings({}).with_overrides(
        instance_path=scratch, load_demo_data=True, redis_prefix="vetbot-nlu-eval:"
    )
    previous = set_clock(lambda: REFERENCE_TIME)
    try:
        make_app(settings)
        prepare_database(settings)
        results = []
        for enabled in (True, False):
            chosen = settings.with_overrides(nlu_enabled=enabled)
            results.append(
                [_conversation(chosen, f"nlu-eval-{enabled:d}-{i.id}", i) for i in items]
            )
    finally:
        set_clock(previous)
    return results[0], results[1]


def _conversation(settings: Settings, openid: str, item: Labelled) -> Outcome:
    """The outcome of the item's message, after the message it follows up, if any."""
    if item.before:
        _send(settings, openid, item.before)
    return _send(settings, openid, item.text)


def _send(settings: Settings, openid: str, text: str) -> Outcome:
    from bot import gateway, simulate
    from core.nlu.evaluate import Outcome

    outcome = gateway.handle(
        settings, simulate.signed_args(settings), simulate.text_xml(openid, text).encode()
    )
    reply = outcome.reply
    if reply is None:
        return Outcome("error", {}, None)
    understood = reply.understood or {}
    intent = understood.get("intent") or handler_intent(reply)
    answered = reply.faq_id if reply.intent in ANSWER_INTENTS else None
    return Outcome(str(intent), dict(understood.get("slots") or {}), answered)


ANSWER_INTENTS = ("faq_answer", "faq_choice", "faq_answer_first")
# Without the understanding step, what each handler means (the command words' intents).
HANDLER_INTENTS = {
    "jobs_chat.find_jobs": "job.search",
    "jobs_chat.more_jobs": "job.more",
    "events_chat.list_events": "event.list",
    "events_chat.sign_up_by_number": "event.signup",
    "events_chat.my_signups": "event.mine",
    "events_chat.withdraw_by_number": "event.withdraw",
    "stations.find_stations": "station.nearest",
    "booking_chat.start_booking": "booking.start",
    "my_bookings.list_bookings": "booking.mine",
    "subscribe_flow.start": "subscribe",
    "subscribe_flow.show_mine": "subscription.mine",
    "subscribe_flow.unsubscribe": "unsubscribe",
    "handover.request_person": "handover",
    "help.show_help": "help",
    "flow.leave_flow": "none",
}


def handler_intent(reply: Reply) -> str:
    """The intent a reply stands for when nothing was understood (a command word, the FAQ)."""
    if reply.handler in HANDLER_INTENTS:
        return HANDLER_INTENTS[reply.handler]
    if reply.handler == "my_bookings.act_on_booking":
        return "booking.reschedule" if "改" in (reply.text or "") else "booking.cancel"
    if reply.intent in ("faq_answer", "faq_suggest", "faq_choice", "faq_answer_first"):
        return "policy"
    return "none"


def _echo_part(
    ours: list[tuple[Labelled, Outcome]],
    base: list[tuple[Labelled, Outcome]],
    *,
    readable: bool,
    show_misses: bool,
) -> None:
    from core.nlu.evaluate import report

    mine = report(ours)
    for line in mine.lines("vetbot (understanding on)"):
        click.echo(line)
    for line in report(base).lines("baseline (command words + FAQ, as before)"):
        click.echo(line)
    if readable:
        click.echo("  worst confusions:")
        for line in mine.worst():
            click.echo(line)
    if show_misses and readable:
        click.echo("  misses:")
        for miss in mine.misses:
            click.echo("    " + miss)
