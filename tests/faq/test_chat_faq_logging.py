"""A policy answer writes nothing to the database while the person waits; its log row, the
choice made from a list and a "没用" still reach the curators' log exactly once — and with
Redis down they are written in the message's own transaction, as before."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select

from bot import simulate
from core.db import db
from core.faq.models import FaqQuery
from core.people.models import Person
from tests.wechat import post, reply_fields, say

QUESTION = "当兵回来一直待业，失业保险怎么弄"
ANSWER_ID = "unemployment-insurance-after-discharge"


@pytest.fixture
def writes_in_request() -> Iterator[list[str]]:
    """INSERT / UPDATE / DELETE statements run on this (the request's) thread."""
    seen: list[str] = []
    me = threading.get_ident()

    def record(_conn, _cursor, statement, *_args) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if threading.get_ident() == me and verb in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    assert db.engine is not None
    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def _queries(session) -> list[FaqQuery]:
    session.expire_all()
    return list(session.scalars(select(FaqQuery).order_by(FaqQuery.id)))


def test_a_policy_answer_writes_nothing_in_the_request(
    client, settings, faq_loaded, writes_in_request
):
    say(client, settings, "o-quiet", "帮助")  # the person exists from now on
    writes_in_request.clear()

    reply = say(client, settings, "o-quiet", QUESTION)

    assert "来源：" in reply
    assert writes_in_request == []
    [logged] = _queries(faq_loaded)
    person = faq_loaded.scalar(select(Person).where(Person.openid == "o-quiet"))
    assert logged.faq_id == ANSWER_ID
    assert logged.person_id == person.id
    assert logged.channel == "chat"
    assert logged.dedup_key


def test_a_retried_question_is_logged_once(client, settings, faq_loaded):
    xml = simulate.text_xml("o-retry", QUESTION)
    first = post(client, settings, xml)
    again = post(client, settings, xml)
    assert reply_fields(first)["Content"] == reply_fields(again)["Content"]
    assert len(_queries(faq_loaded)) == 1


def test_choice_and_unhelpful_reach_the_question_row(
    client, settings, faq_loaded, monkeypatch, writes_in_request
):
    from core.faq import answers, matcher

    monkeypatch.setattr(matcher, "ANSWER_MIN", 1.01)  # force the list of choices
    monkeypatch.setattr(answers, "TIE_MARGIN", 1.01)
    say(client, settings, "o-follow", "1131服务是什么")
    writes_in_request.clear()
    say(client, settings, "o-follow", "2")
    assert "没用" not in say(client, settings, "o-follow", "没用")  # the reply offers 人工
    assert writes_in_request == []
    [row] = _queries(faq_loaded)
    assert row.chosen_faq_id == row.candidates[1]["faq_id"]
    assert row.unhelpful


def test_with_redis_down_follow_ups_use_the_database(make_app, settings, faq_loaded, monkeypatch):
    from core.faq import answers, matcher

    monkeypatch.setattr(matcher, "ANSWER_MIN", 1.01)
    monkeypatch.setattr(answers, "TIE_MARGIN", 1.01)
    down = settings.with_overrides(redis_url="redis://127.0.0.1:1/0")
    client = make_app(redis_url=down.redis_url).test_client()
    say(client, down, "o-down", "1131服务是什么")
    answer = say(client, down, "o-down", "1")
    assert "来源：" in answer
    say(client, down, "o-down", "没用")
    [row] = _queries(faq_loaded)
    assert row.chosen_faq_id == row.candidates[0]["faq_id"]
    assert row.unhelpful
