"""`vetbot faq check`: the shipped content passes, and each kind of bad edit is caught."""

from __future__ import annotations

import copy

import pytest

from core.faq.check import DevItem, check_catalog, check_devset, load_devset, run_checks
from core.faq.schema import SourceRef, load_documents, load_entries


@pytest.fixture(scope="module")
def docs():
    return load_documents()


@pytest.fixture(scope="module")
def entries():
    return load_entries()


def test_the_shipped_content_and_dev_set_pass():
    count, problems = run_checks()
    assert problems == []
    assert count >= 120


def test_every_document_is_cited(entries):
    cited = {s.doc for e in entries for s in e.sources}
    assert cited == {"jd-2026-1", "bj-2023", "jd-2020-6", "mva-2023-4", "jd-rs-2023-54"}


def _one(entries, entry_id="unemployment-insurance-after-discharge"):
    return copy.deepcopy(next(e for e in entries if e.id == entry_id))


def test_an_invented_number_is_refused(entries, docs):
    entry = _one(entries)
    entry.answer = "可以，每月发放1850元。" + entry.answer[:50]
    assert any("1850" in p for p in check_catalog([entry], docs))


def test_a_quote_not_in_the_document_is_refused(entries, docs):
    entry = _one(entries)
    entry.sources = [SourceRef("jd-2026-1", "第（三）条", "退役军人每月可领取失业补助")]
    assert any("quote not found" in p for p in check_catalog([entry], docs))


def test_an_unknown_document_is_refused(entries, docs):
    entry = _one(entries)
    entry.sources = [SourceRef("no-such-doc", "第一条", "x")]
    assert any("unknown document" in p for p in check_catalog([entry], docs))


def test_too_long_an_answer_and_too_few_similar_questions(entries, docs):
    entry = _one(entries)
    entry.answer = "长" * 301
    entry.similar = entry.similar[:2]
    problems = check_catalog([entry], docs)
    assert any("301 characters" in p for p in problems)
    assert any("at least 5 similar" in p for p in problems)


def test_the_same_question_under_two_entries_is_refused(entries, docs):
    a, b = _one(entries), _one(entries, "service-1131-what")
    b.similar.append(a.similar[0])
    assert any("the same question" in p for p in check_catalog([a, b], docs))


def test_duplicate_ids_are_refused(entries, docs):
    a = _one(entries)
    b = copy.deepcopy(a)
    b.similar = [q + "呢" for q in b.similar]
    b.question += "呢"
    assert any("id also used" in p for p in check_catalog([a, b], docs))


def test_beijing_answers_must_say_so(entries, docs):
    entry = next(copy.deepcopy(e) for e in entries if e.sources[0].doc == "bj-2023")
    entry.answer = entry.answer.replace("北京", "本地")
    assert any("must say '北京'" in p for p in check_catalog([entry], docs))


def test_dev_questions_copying_a_faq_phrasing_are_refused(entries):
    entry = _one(entries)
    problems = check_devset(
        [DevItem(entry.similar[0], entry.id), DevItem(entry.similar[1] + "啊", entry.id)], entries
    )
    assert len(problems) == 2


def test_dev_items_must_name_real_entries(entries):
    assert check_devset([DevItem("完全不同的一个问题", "no-such-entry")], entries)


def test_a_relabelled_item_keeps_the_label_it_was_written_with(tmp_path):
    devset = tmp_path / "dev.yaml"
    devset.write_text(
        "items:\n"
        "- {q: 去年那个活动哪天办的, expect: st-job-search, audit: {written: null}}\n"
        "- {q: 附近有啥好吃的, expect: null}\n",
        encoding="utf-8",
    )
    relabelled, plain = load_devset(devset)
    assert relabelled.relabelled
    assert relabelled.expect == "st-job-search"
    assert relabelled.as_written().expect is None
    assert not plain.relabelled
    assert plain.as_written() == plain


def test_an_audit_record_must_name_a_real_entry_and_differ(entries):
    entry = _one(entries)
    unknown = DevItem("完全不同的一个问题", entry.id, written="no-such-entry", relabelled=True)
    same = DevItem("完全不同的另一个问题", entry.id, written=entry.id, relabelled=True)
    problems = check_devset([unknown, same], entries)
    assert any("no-such-entry" in p for p in problems)
    assert any("repeats its label" in p for p in problems)
