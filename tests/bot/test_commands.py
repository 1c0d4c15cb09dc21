"""Commands from day one: help, handover to a person, leaving a flow."""

from __future__ import annotations

from sqlalchemy import select

from bot.reply import Reply, fit_text
from bot.router import router
from bot.session import Conversation
from core.cache import cache
from core.people.models import HandoverRequest
from tests.wechat import say


def test_help_lists_only_existing_features(client, settings):
    text = say(client, settings, "o-h", "菜单")
    assert "人工" in text
    assert "帮助" in text
    # Every line the help shows comes from a registered feature.
    assert text.count("\n") == len(router.help_lines)


def test_help_keywords_ignore_punctuation_and_case(client, settings):
    assert "人工" in say(client, settings, "o-h2", " 帮助！")
    assert "人工" in say(client, settings, "o-h2", "HELP")


def test_handover_records_a_request_with_the_question(client, settings, db_session):
    reply = say(client, settings, "o-p", "人工：我想问问退役后社保怎么接续")
    assert "人工服务" in reply
    assert "回复" in reply
    request = db_session.scalar(select(HandoverRequest))
    assert request.status == "open"
    assert "社保怎么接续" in request.note


def test_handover_uses_recent_questions_as_the_note(client, settings, db_session):
    say(client, settings, "o-p2", "我去年退伍的，想找份保安的工作")
    say(client, settings, "o-p2", "人工")
    request = db_session.scalar(select(HandoverRequest))
    assert "保安" in request.note


def test_asking_twice_does_not_queue_twice(client, settings, db_session):
    say(client, settings, "o-p3", "人工")
    second = say(client, settings, "o-p3", "转人工 还有一个问题")
    assert "排队" in second
    requests = db_session.scalars(select(HandoverRequest)).all()
    assert len(requests) == 1
    assert "还有一个问题" in requests[0].note


def test_cancel_without_a_flow(client, settings):
    assert "没有进行中的操作" in say(client, settings, "o-c", "取消")


def test_cancel_leaves_any_flow(client, settings, monkeypatch):
    """A flow owns every answer until 取消/退出; state lives in Redis with a TTL. Another
    feature's command word leaves it (the router decides, for every flow)."""
    seen: list[str] = []

    def in_flow(ctx) -> Reply:
        seen.append(ctx.text)
        return Reply(text="（流程中）请回复数字")

    monkeypatch.setitem(
        router.flow_rules, "demo", type(router.exit_rule)("t.demo", in_flow, flow="demo")
    )
    Conversation("o-f", settings.conversation_ttl_seconds).start("demo", "step1")
    assert say(client, settings, "o-f", "2") == "（流程中）请回复数字"
    assert seen == ["2"]
    ttl = cache.client.ttl(cache.key("conv", "o-f"))
    assert 0 < ttl <= settings.conversation_ttl_seconds
    assert "已退出" in say(client, settings, "o-f", "退出")
    assert Conversation("o-f", 60).flow is None
    Conversation("o-f", settings.conversation_ttl_seconds).start("demo", "step1")
    assert "人工" in say(client, settings, "o-f", "帮助")
    assert seen == ["2"]
    assert Conversation("o-f", 60).flow is None


def test_long_replies_fit_wechat_limit():
    text = "第一段\n" + "很长的内容" * 500
    fitted = fit_text(text)
    assert len(fitted.encode("utf-8")) <= 2000
    assert fitted.endswith("…")
