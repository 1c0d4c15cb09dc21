"""The /m/faq phone pages: browsing, searching (logged as "page"), the cited detail page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.faq.models import FaqQuery

UNEMPLOYMENT = "unemployment-insurance-after-discharge"


def _queries(db_session: Session) -> list[FaqQuery]:
    db_session.expire_all()
    return list(db_session.scalars(select(FaqQuery).order_by(FaqQuery.id)))


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_list_shows_search_box_and_categories_with_questions(
    client: FlaskClient, faq_loaded: Session
) -> None:
    html = _page(client, "/m/faq")
    assert 'name="q"' in html
    assert 'maxlength="200"' in html
    assert "失业保障与就业帮扶" in html
    assert "北京市做法（仅供参考）" in html
    assert "退役后一直没找到工作，能领失业保险金吗？" in html
    assert f'href="/m/faq/{UNEMPLOYMENT}"' in html
    assert html.index("嘉定区政策") < html.index("北京市做法（仅供参考）")
    assert _queries(faq_loaded) == []


def test_category_filter_lists_only_that_category(client: FlaskClient, faq_loaded: Session) -> None:
    html = _page(client, "/m/faq?category=失业保障与就业帮扶")
    assert "分类：失业保障与就业帮扶" in html
    assert UNEMPLOYMENT in html
    assert "北京市做法：总体情况" not in html
    unknown = _page(client, "/m/faq?category=不存在的分类")
    assert "没有找到这个分类" in unknown
    assert "北京市做法：总体情况" in unknown


def test_search_answers_with_citation_and_link(client: FlaskClient, faq_loaded: Session) -> None:
    html = _page(client, "/m/faq?q=当兵回来一直待业，失业保险怎么弄")
    assert 'class="m-card answer-card"' in html
    assert "失业保险待遇" in html
    assert "来源：嘉退役军人局发〔2026〕1号 第（三）条" in html
    assert f'href="/m/faq/{UNEMPLOYMENT}"' in html
    assert 'value="当兵回来一直待业，失业保险怎么弄"' in html


def test_out_of_scope_question_says_not_found_and_how_to_reach_a_person(
    client: FlaskClient, faq_loaded: Session
) -> None:
    html = _page(client, "/m/faq?q=明天会下雨吗")
    assert "没有找到相关答案" in html
    assert "answer-card" not in html
    assert "来源：" not in html
    assert "“人工”" in html
    assert "社区就业服务站" in html


def test_borderline_question_offers_choices(
    client: FlaskClient, faq_loaded: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.faq import matcher

    # Force the middle tier so the test does not depend on a borderline score.
    monkeypatch.setattr(matcher, "ANSWER_MIN", 1.01)
    html = _page(client, "/m/faq?q=1131服务是什么")
    assert "您是不是想问" in html
    assert "answer-card" not in html
    assert 'href="/m/faq/service-1131-what"' in html
    assert _queries(faq_loaded)[-1].tier == "suggest"


def test_every_search_is_logged_with_channel_page(client: FlaskClient, faq_loaded: Session) -> None:
    _page(client, "/m/faq?q=当兵回来一直待业，失业保险怎么弄")
    _page(client, "/m/faq?q=明天会下雨吗")
    logged = _queries(faq_loaded)
    assert [(q.channel, q.tier) for q in logged] == [("page", "answer"), ("page", "fallback")]
    assert logged[0].faq_id == UNEMPLOYMENT
    assert logged[0].person_id is None


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "请先在上面的框里输入"), ("   ", "请先在上面的框里输入"), ("问" * 201, "问题太长了")],
)
def test_empty_or_overlong_question_is_refused_kindly_and_not_logged(
    client: FlaskClient, faq_loaded: Session, query: str, message: str
) -> None:
    html = _page(client, "/m/faq?q=" + query)
    assert message in html
    assert "answer-card" not in html
    assert _queries(faq_loaded) == []


def test_detail_page_quotes_the_source_clause(client: FlaskClient, faq_loaded: Session) -> None:
    html = _page(client, f"/m/faq/{UNEMPLOYMENT}")
    assert "退役后一直没找到工作，能领失业保险金吗？" in html
    assert "适用范围：嘉定区" in html
    assert "嘉退役军人局发〔2026〕1号" in html
    assert "关于完善嘉定区退役军人就业支持体系 促进高质量充分就业的意见" in html
    assert "嘉定区退役军人事务局" in html
    assert "2026年1月6日" in html
    assert "第（三）条" in html
    assert (
        '<blockquote class="m-quote">退出现役后未能及时就业而失业的人员，'
        "可以申领失业保险待遇，并申请享受公共就业服务</blockquote>"
    ) in html
    assert 'href="/m/faq"' in html
    assert "同类问题" in html
    assert 'href="/m/faq/service-1131-what"' in html


def test_beijing_entry_is_marked_reference_only_and_cites_issuer_and_title(
    client: FlaskClient, faq_loaded: Session
) -> None:
    from core.faq.catalog import catalog_cache

    catalog = catalog_cache.get(faq_loaded)
    entry = next(e for e in catalog.entries.values() if e.scope == "beijing")
    html = _page(client, f"/m/faq/{entry.id}")
    assert "北京市做法，仅供参考" in html
    assert "适用范围" not in html
    assert "北京市退役军人事务局等8部门《关于进一步完善退役军人就业服务体系" in html


def test_unknown_entry_is_a_chinese_404(client: FlaskClient, faq_loaded: Session) -> None:
    html = _page(client, "/m/faq/no-such-entry", status=404)
    assert "没有找到这个页面" in html
    assert 'href="/m/faq"' in html
