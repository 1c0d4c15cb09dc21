"""The production gunicorn hooks: a stopping worker writes what it still holds."""

from __future__ import annotations

import runpy
from types import SimpleNamespace

from sqlalchemy import func, select

from core.cache import cache
from core.chatlog import activity_log
from core.chatlog.models import MessageLog
from core.config import PROJECT_ROOT
from tests.core.test_activity_log import exchange


def test_worker_exit_writes_batched_log_rows_and_retry_replies(app, db_session, monkeypatch):
    hooks = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    monkeypatch.setattr(activity_log.activity_writer._batcher, "wait_seconds", 60.0)
    monkeypatch.setattr(cache.deferred._batcher, "wait_seconds", 60.0)
    activity_log.activity_writer.submit(exchange("o-exit", "msg:exit-1"))
    cache.set_later(cache.key("dedup", "msg:exit-1"), '{"text": "好"}', 60)
    warnings: list[str] = []
    server = SimpleNamespace(log=SimpleNamespace(warning=lambda *a: warnings.append(a)))
    hooks["worker_exit"](server, SimpleNamespace(pid=1))
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(MessageLog)) == 2
    assert cache.get(cache.key("dedup", "msg:exit-1")) == '{"text": "好"}'
    assert warnings == []
