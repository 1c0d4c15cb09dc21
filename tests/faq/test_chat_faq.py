"""Policy questions in the chat: answers with citations, choices, fallbacks, follow-ups."""

from __future__ import annotations

from sqlalchemy import select

from core.faq.models import FaqQuery
from tests.wechat import say


def last_query(db_session) -> FaqQuery:
    db_session.expire_all()
    return db_session.scalars(select(FaqQuery).order_by(FaqQuery.id.desc())).first()


def test_unemployment_question_is_answered_with_its_citation(client, settings, faq_loaded):
    reply = say(client, settings, "o-faq1", "当兵回来一直待业，失业保险怎么弄")
    assert "失业保险待遇" in reply
    assert "来源：嘉退役军人局发〔2026〕1号 第（三）条" in reply
    assert "/m/faq/unemployment-insurance-after-discharge" in reply
    assert len(reply.encode("utf-8")) < 2048
    logged = last_query(faq_loaded)
    assert logged.tier == "answer"
    assert logged.faq_id == "unemployment-insurance-after-discharge"


def test_out_of_scope_gets_the_fallback_not_a_policy_answer(client, settings, faq_loaded):
    for question in ("明天会下雨吗", "附近有什么好吃的", "孩子高考志愿怎么填"):
        reply = say(client, settings, "o-faq2", question)
        assert "暂时回答不了" in reply, question
        assert "人工" in reply, question
        assert "来源：" not in reply
        assert last_query(faq_loaded).tier == "fallback"


def _force_choices(monkeypatch) -> None:
    """Force the middle tier, and every top two tied, so the reply is a list of choices
    whatever the scores."""
    from core.faq import answers, matcher

    monkeypatch.setattr(matcher, "ANSWER_MIN", 1.01)
    monkeypatch.setattr(answers, "TIE_MARGIN", 1.01)


def test_a_plausible_answer_comes_first_with_neighbours(client, settings, faq_loaded, monkeypatch):
    """Answer first: the best entry's answer, and below it two neighbours to pick by number."""
    from core.faq import matcher

    monkeypatch.setattr(matcher, "ANSWER_MIN", 1.01)  # not a clear answer, only plausible
    reply = say(client, settings, "o-faq-first", "1131服务是什么")
    asked = last_query(faq_loaded)
    assert asked.tier == "answer"
    assert f"/m/faq/{asked.faq_id}" in reply
    assert "来源：" in reply
    assert "您可能还想问" in reply
    neighbour = asked.candidates[1]["faq_id"]
    assert f"/m/faq/{neighbour}" in say(client, settings, "o-faq-first", "1")
    assert last_query(faq_loaded).chosen_faq_id == neighbour


def test_a_number_picks_a_suggestion(client, settings, faq_loaded, monkeypatch):
    _force_choices(monkeypatch)
    reply = say(client, settings, "o-faq3", "1131服务是什么")
    assert "您是不是想问" in reply
    assert "1." in reply
    suggested = last_query(faq_loaded)
    assert suggested.tier == "suggest"
    first = suggested.candidates[0]["faq_id"]
    answer = say(client, settings, "o-faq3", "1")
    assert "来源：" in answer
    assert f"/m/faq/{first}" in answer
    assert last_query(faq_loaded).chosen_faq_id == first


def test_a_number_out_of_range_asks_again(client, settings, faq_loaded, monkeypatch):
    _force_choices(monkeypatch)
    say(client, settings, "o-faq4", "1131服务是什么")
    assert "请回复 1 到" in say(client, settings, "o-faq4", "9")


def test_unhelpful_marks_the_last_answer_and_offers_a_person(client, settings, faq_loaded):
    say(client, settings, "o-faq5", "当兵回来一直待业，失业保险怎么弄")
    reply = say(client, settings, "o-faq5", "没用")
    assert "人工" in reply
    db_session = faq_loaded
    db_session.expire_all()
    marked = db_session.scalars(select(FaqQuery).where(FaqQuery.unhelpful.is_(True))).all()
    assert len(marked) == 1
    assert marked[0].faq_id == "unemployment-insurance-after-discharge"
