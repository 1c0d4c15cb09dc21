"""Broadcasts go out from the scheduler's dispatcher, and `vetbot serve` runs it in-process."""

from __future__ import annotations

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from core.broadcast.models import DONE
from core.config import ConfigError, Settings, load_settings
from core.wechat.models import OutboxMessage
from scheduler import jobs
from scheduler.jobs import JOBS
from web.cli import main


def _wait_for_dispatch() -> None:
    """The dispatcher sends on its own thread; its lock is free again once it is done."""
    assert jobs._broadcasting.acquire(timeout=30)
    jobs._broadcasting.release()


def test_the_dispatcher_job_sends_a_due_broadcast(db_session, subscriber, broadcast):
    person = subscriber()
    made = broadcast()

    jobs.dispatch_broadcasts()
    _wait_for_dispatch()

    db_session.refresh(made)
    assert made.status == DONE
    assert [m.openid for m in db_session.query(OutboxMessage)] == [person.openid]


def test_jobs_include_the_dispatcher_and_the_daily_digest():
    specs = {job.id: job for job in JOBS}
    assert specs["broadcasts.dispatch"].trigger == "interval"
    assert specs["digest.daily"].trigger == "cron"
    assert specs["digest.daily"].arguments(Settings()) == {"hour": 18, "minute": 0}
    assert specs["digest.daily"].arguments(Settings(digest_time="07:30")) == {
        "hour": 7,
        "minute": 30,
    }


@pytest.fixture
def serve(cli_env, monkeypatch):
    """`vetbot serve` up to the point where it would listen."""
    monkeypatch.setattr("flask.Flask.run", lambda *a, **k: None)
    started: list[list[str]] = []

    def start(scheduler, *args, **kwargs):
        started.append(sorted(job.id for job in scheduler.get_jobs()))

    monkeypatch.setattr(BackgroundScheduler, "start", start)
    return lambda: (CliRunner().invoke(main, ["serve", "--port", "5099"]), started)


def test_serve_runs_the_scheduler_in_process(serve):
    result, started = serve()
    assert result.exit_code == 0, result.output
    assert started == [sorted(job.id for job in JOBS)]
    assert "scheduler:" in result.output


def test_serve_leaves_scheduling_to_a_separate_process_when_told(serve, monkeypatch):
    monkeypatch.setenv("VETBOT_SERVE_SCHEDULER", "0")
    result, started = serve()
    assert result.exit_code == 0, result.output
    assert started == []
    assert "scheduler:" not in result.output


def test_broadcast_and_digest_settings_come_from_the_environment():
    settings = load_settings(
        {
            "VETBOT_BROADCAST_RATE": "500",
            "VETBOT_BROADCAST_WORKERS": "16",
            "VETBOT_DIGEST_TIME": "7:30",
            "VETBOT_SERVE_SCHEDULER": "0",
            "WECHAT_TEMPLATE_BROADCAST": "TPL-1",
        }
    )
    assert (settings.broadcast_rate, settings.broadcast_workers) == (500.0, 16)
    assert settings.digest_time == "07:30"
    assert not settings.serve_runs_scheduler
    assert settings.wechat_template_broadcast == "TPL-1"
    assert load_settings({}).broadcast_rate == 20.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VETBOT_DIGEST_TIME", "18"),
        ("VETBOT_DIGEST_TIME", "25:00"),
        ("VETBOT_DIGEST_TIME", "6pm"),
        ("VETBOT_BROADCAST_RATE", "0"),
        ("VETBOT_BROADCAST_RATE", "fast"),
        ("VETBOT_BROADCAST_WORKERS", "-2"),
    ],
)
def test_a_wrong_value_stops_the_start_and_says_which(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
