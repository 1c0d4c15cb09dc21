"""How answers are framed (issue 12): `vetbot faq check` refuses each kind of misleading
answer — Beijing's practice unmarked, a 2020 measure stated as current, a reply that
outgrows a phone screen with its source line, the station list's internal words."""

from __future__ import annotations

import copy

import pytest

from core.faq.catalog import Catalog, EntryView
from core.faq.check import check_catalog
from core.faq.schema import (
    BEIJING_MARKER,
    MAX_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    citation_line,
    load_documents,
    load_entries,
)


@pytest.fixture(scope="module")
def docs():
    return load_documents()


@pytest.fixture(scope="module")
def entries():
    return load_entries()


def _one(entries, entry_id):
    return copy.deepcopy(next(e for e in entries if e.id == entry_id))


def _problems(entry, docs):
    return check_catalog([entry], docs)


def test_a_beijing_answer_opening_with_an_unconditional_yes_is_refused(entries, docs):
    entry = _one(entries, "bj-training-free-choice")
    assert _problems(entry, docs) == []
    entry.answer = "可以。" + entry.answer
    assert any(f"must begin with {BEIJING_MARKER!r}" in p for p in _problems(entry, docs))


def test_every_beijing_answer_begins_with_the_marker(entries):
    beijing = [e for e in entries if e.scope == "beijing"]
    assert len(beijing) >= 30
    assert all(e.answer.startswith(BEIJING_MARKER) for e in beijing)


def test_a_jiading_answer_quoting_beijing_unmarked_is_refused(entries, docs):
    entry = _one(entries, "jd-adaptive-training-hours")
    assert _problems(entry, docs) == []
    entry.answer = entry.answer.replace(BEIJING_MARKER, "北京规定")
    assert any("must introduce it with" in p for p in _problems(entry, docs))


@pytest.mark.parametrize(
    ("entry_id", "gap"),
    [
        ("jd-adaptive-training-hours", "没有规定适应性培训要上多少学时"),
        ("jd-startup-loan-ceiling", "没有写创业贷款的最高额度"),
        ("jd-welfare-post-wage", "没有写公益性岗位的工资"),
        ("jd-one-off-startup-subsidy", "没有写一次性创业补贴"),
    ],
)
def test_jiading_first_entries_say_what_jiading_does_not_give(entries, entry_id, gap):
    entry = _one(entries, entry_id)
    assert entry.scope == "jiading"
    assert entry.answer.startswith("嘉定")
    assert gap in entry.answer


def test_a_2020_answer_without_the_caveat_is_refused(entries, docs):
    entry = _one(entries, "jd20-layoff-rules")
    assert _problems(entry, docs) == []
    entry.answer = entry.answer.split("这是2020年的要求")[0] + "请回复“人工”。"
    assert any("ask whether it still applies" in p for p in _problems(entry, docs))


def test_a_2020_answer_saying_it_applies_to_everyone_is_refused(entries, docs):
    entry = _one(entries, "jd20-housekeeping-registration")
    entry.answer = entry.answer.replace("当时不限于退役军人", "这对所有家政从业人员都适用")
    problems = _problems(entry, docs)
    assert any("'都适用'" in p for p in problems)
    assert any("'对所有'" in p for p in problems)


def test_a_2020_answer_must_say_where_to_ask(entries, docs):
    entry = _one(entries, "jd20-graduate-hukou-archive")
    entry.answer = entry.answer.split("，请到")[0] + "。"
    assert any("must say where to ask" in p for p in _problems(entry, docs))


def test_a_reply_over_the_limit_with_its_source_line_is_refused(entries, docs):
    entry = _one(entries, "bj-assistance-chain")
    entry.answer = BEIJING_MARKER + "长" * (MAX_ANSWER_CHARS - len(BEIJING_MARKER))
    problems = _problems(entry, docs)
    assert not any("answer has" in p for p in problems)  # the answer alone fits ...
    assert any(f"(max {MAX_REPLY_CHARS})" in p for p in problems)  # ... not with its source


def test_the_station_lists_internal_words_are_refused(entries, docs):
    entry = _one(entries, "st-job-search")
    assert _problems(entry, docs) == []
    for word in ["基础功能", "拓展功能", "创新功能", "“就业供需匹配”模块"]:
        entry.answer = f"能。这是站点的{word}。"
        assert any("the station list's word" in p for p in _problems(entry, docs)), word


def test_the_short_form_jiukun_needs_the_words_people_use(entries, docs):
    entry = _one(entries, "st-paperwork-overview")
    assert _problems(entry, docs) == []
    entry.answer = entry.answer.replace("就业困难人员认定（就困认定）", "就困认定")
    assert any("'就业困难人员认定'" in p for p in _problems(entry, docs))


def _view(entry) -> EntryView:
    return EntryView(
        entry.id,
        entry.category,
        entry.question,
        tuple(entry.similar),
        entry.answer,
        entry.detail,
        entry.scope,
        tuple({"doc": s.doc, "clause": s.clause, "quote": s.quote} for s in entry.sources),
    )


def test_every_reply_prints_one_source_line_per_clause_and_fits(entries, docs):
    """What the check measures is what the chat prints (Catalog.citation)."""
    catalog = Catalog(entries={}, index=None, documents=docs, stamp=())  # type: ignore[arg-type]
    two_quotes_one_clause = 0
    for entry in entries:
        printed = catalog.citation(_view(entry))
        assert printed == citation_line(entry.sources, docs), entry.id
        parts = printed.removeprefix("来源：").split("；")
        assert len(parts) == len(set(parts)), entry.id
        clauses = [(s.doc, s.clause) for s in entry.sources]
        two_quotes_one_clause += len(clauses) != len(set(clauses))
        assert len(entry.answer) + 1 + len(printed) <= MAX_REPLY_CHARS, entry.id
    assert two_quotes_one_clause >= 20  # the case the de-duplication is for is still there
