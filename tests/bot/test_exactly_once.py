"""WeChat's retries: one processing, identical replies, one log row — with or without Redis."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot import simulate
from bot.reply import Reply
from bot.router import router
from core.chatlog.models import MessageLog
from core.people.models import HandoverRequest
from tests.wechat import post, reply_fields

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def slow_help(monkeypatch):
    """Make `帮助` take a while and count how often it really runs."""
    calls: list[float] = []
    rule = next(r for r in router.keyword_rules if r.name == "help.show_help")
    original = rule.func

    def slow(ctx):
        calls.append(time.monotonic())
        time.sleep(0.4)
        return original(ctx)

    monkeypatch.setattr(rule, "func", slow)
    return calls


def inbound_count(db_session, dedup_key: str) -> int:
    db_session.expire_all()
    return db_session.scalar(
        select(func.count()).select_from(MessageLog).where(MessageLog.dedup_key == dedup_key)
    )


def post_concurrently(app, settings, xml: str, n: int = 3) -> list[tuple[int, str]]:
    barrier = threading.Barrier(n)

    def one(_):
        client = app.test_client()
        barrier.wait()
        response = post(client, settings, xml)
        return response.status_code, reply_fields(response).get("Content", "")

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_three_concurrent_identical_posts_are_processed_once(app, settings, db_session, slow_help):
    xml = simulate.message_xml("o-dup", "text", {"Content": "帮助", "MsgId": "900001"})
    results = post_concurrently(app, settings, xml)
    assert len(slow_help) == 1
    assert all(status == 200 for status, _ in results)
    assert len({text for _, text in results}) == 1
    assert "人工" in results[0][1]
    assert inbound_count(db_session, "msg:900001") == 1


def test_a_retry_after_the_first_finished_gets_the_identical_reply(client, settings, db_session):
    xml = simulate.message_xml("o-dup2", "text", {"Content": "人工 想问社保", "MsgId": "900002"})
    first = reply_fields(post(client, settings, xml))["Content"]
    second = reply_fields(post(client, settings, xml))["Content"]
    assert first == second
    assert inbound_count(db_session, "msg:900002") == 1
    assert db_session.scalar(select(func.count()).select_from(HandoverRequest)) == 1


def test_events_deduplicate_by_user_time_event_and_key(client, settings, db_session):
    xml = simulate.message_xml(
        "o-ev", "event", {"Event": "CLICK", "EventKey": "HANDOVER"}, create_time=1700000000
    )
    post(client, settings, xml)
    post(client, settings, xml)
    assert inbound_count(db_session, "evt:o-ev:1700000000:click:HANDOVER") == 1
    other_key = simulate.message_xml(
        "o-ev", "event", {"Event": "CLICK", "EventKey": "HELP"}, create_time=1700000000
    )
    post(client, settings, other_key)
    assert inbound_count(db_session, "evt:o-ev:1700000000:click:HELP") == 1


def test_same_msgid_from_two_users_is_not_confused_for_events(client, settings):
    # MsgId is per message; events have none, so two users' follows at the same second both count.
    a = simulate.message_xml("o-a", "event", {"Event": "subscribe"}, create_time=1700000001)
    b = simulate.message_xml("o-b", "event", {"Event": "subscribe"}, create_time=1700000001)
    assert "欢迎" in reply_fields(post(client, settings, a))["Content"]
    assert "欢迎" in reply_fields(post(client, settings, b))["Content"]


def test_redis_down_messages_still_answered_and_deduplicated(
    make_app, settings, db_session, caplog
):
    app = make_app(redis_url=DEAD_REDIS)
    client = app.test_client()
    xml = simulate.message_xml("o-nored", "text", {"Content": "帮助", "MsgId": "900003"})
    first = post(client, settings, xml)
    second = post(client, settings, xml)
    assert first.status_code == 200
    assert "人工" in reply_fields(first)["Content"]
    assert reply_fields(second)["Content"] == reply_fields(first)["Content"]
    assert inbound_count(db_session, "msg:900003") == 1
    assert any("degraded" in r.getMessage() for r in caplog.records)


def test_redis_down_concurrent_retries_still_processed_once(
    make_app, settings, db_session, slow_help
):
    app = make_app(redis_url=DEAD_REDIS)
    xml = simulate.message_xml("o-nored2", "text", {"Content": "帮助", "MsgId": "900004"})
    results = post_concurrently(app, settings, xml)
    assert len(slow_help) == 1
    assert all(status == 200 for status, _ in results)
    assert inbound_count(db_session, "msg:900004") == 1


def test_healthz_reports_redis_down(make_app):
    response = make_app(redis_url=DEAD_REDIS).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["redis"] == "unreachable"
    assert response.json["status"] == "degraded"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.json["database"] == "ok"
    assert response.json["redis"] == "ok"


def test_a_failing_handler_gives_an_apology_and_logs_the_message_id(
    client, settings, monkeypatch, caplog, db_session
):
    rule = next(r for r in router.keyword_rules if r.name == "help.show_help")

    def broken(ctx) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "func", broken)
    xml = simulate.message_xml("o-err", "text", {"Content": "帮助", "MsgId": "900005"})
    response = post(client, settings, xml)
    assert response.status_code == 200
    assert "抱歉" in reply_fields(response)["Content"]
    assert any("msg:900005" in r.getMessage() and r.exc_info for r in caplog.records)
    assert inbound_count(db_session, "msg:900005") == 1
