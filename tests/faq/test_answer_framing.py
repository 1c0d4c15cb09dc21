"""How answers are framed (issue 12 and two blind reads): `vetbot faq check` refuses each
kind of misleading answer — Beijing's practice unmarked, a 2020 measure stated as current,
a reply that outgrows a phone screen with its source line, the station list's internal
words, a quote from another clause than the one cited, a plain yes over a conditional
source, a document not named."""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import pytest

from core.faq.catalog import Catalog, EntryView
from core.faq.check import check_catalog, check_entry, layout
from core.faq.schema import (
    BEIJING_MARKER,
    MAX_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    SourceRef,
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


# --- The blind read of 2026-12-02 (review/blind-read-2026-12-02.md) -------------------------
# `vetbot faq check` once looked for a quote anywhere in its document, so a quote from Part 1
# cited as Part 3 passed it. It now finds the cited clause in the source text
# (core.faq.check.Layout) and looks for the quote there; the console runs the same check.


@pytest.fixture(scope="module")
def layouts(docs):
    return {key: layout(doc.text) for key, doc in docs.items()}


def test_the_source_texts_are_read_clause_by_clause(layouts):
    """The layout finds every numbered clause of the five documents (if a source text is
    replaced, this says whether the clause finder still reads it)."""
    assert len(layouts["jd-2026-1"].running) == 12
    assert len(layouts["jd-2020-6"].running) == 23
    mva = layouts["mva-2023-4"].clauses
    assert {p: len(c) for p, c in mva.items()} == {1: 0, 2: 0, 3: 6, 4: 3}
    assert {p: len(c) for p, c in layouts["bj-2023"].clauses.items()} == {1: 3, 2: 10, 3: 3}
    rs54 = layouts["jd-rs-2023-54"]
    assert len(rs54.items[3]) == 9
    assert len(rs54.rows) == 24
    assert rs54.clause_text("附件第17项").startswith("\t17 协助办理就困认定申请手续")


def test_faq_check_reports_a_quote_from_another_clause(entries, docs):
    """The blind read's entry 30: a quote from Part 1 of 退役军人部发〔2023〕4号 cited as Part 3.
    The quote is in the document; `faq check` (and the console's check_entry) finds that it
    is not in the clause cited."""
    entry = _one(entries, "nat-assistance-overview")
    assert _problems(entry, docs) == []
    quote = "提供多岗位供给、多渠道保障的帮扶，全面落实各项支持政策"
    entry.sources = [SourceRef("mva-2023-4", "第三部分", quote), *entry.sources]
    expected = (
        f"{entry.file}:nat-assistance-overview: quote is in mva-2023-4 but not in its 第三部分:"
        f" {quote[:30]}…"
    )
    assert _problems(entry, docs) == [expected]
    assert check_entry(entry, docs) == [expected]
    entry.sources[0] = replace(entry.sources[0], clause="第一部分")
    assert _problems(entry, docs) == []


def test_faq_check_reports_a_clause_it_cannot_find(entries, docs):
    entry = _one(entries, "st-station-sign")
    entry.sources = [replace(entry.sources[0], clause="第三部分第4款")]
    assert any("has no clause '第三部分第4款'" in p for p in _problems(entry, docs))


def test_1131_says_that_employment_difficulty_is_a_recognised_status(entries):
    """In "1131", 就业困难 is the status the human resources and social security department
    recognises (就业困难人员认定), not a hard time finding work: an answer about 1131 that says
    就业困难 says 认定 too (the blind read's entry 37)."""
    about_1131 = [e for e in entries if "1131" in e.question + e.answer]
    assert len(about_1131) >= 5
    vague = [e.id for e in about_1131 if "就业困难" in e.answer and "认定" not in e.answer]
    assert vague == []


# The 2026 document's shorthand, which the blind reader found a veteran cannot act on: an
# answer names it only where people ask about the word itself (it is in the entry's question
# or similar questions), and then also says it in plain words.
SHORTHAND: dict[str, tuple[str, ...]] = {
    "失业帮扶一件事": ("帮扶失业人员",),
    "网格化": ("分片走访",),
    "清单式": ("列成清单", "按清单逐项"),
    "帮扶重点对象": (),  # never: say 重点帮扶的对象
}


def test_the_2026_shorthand_is_said_in_plain_words(entries):
    wrong = []
    for e in entries:
        asked = e.question + "".join(e.similar)
        for word, plain in SHORTHAND.items():
            if word not in e.answer:
                continue
            if not plain or word not in asked:
                wrong.append(f"{e.id}: {word}")
            elif not any(p in e.answer for p in plain):
                wrong.append(f"{e.id}: {word} without one of {plain}")
    assert wrong == []


# --- The second blind read, 2026-12-02 (review/blind-read-2-2026-12-02.md) ------------------
# Five answers overstated: a plain "可以。" / "有。" where the document says 可以申领, 可按规定,
# 符合条件 or "A 或者 B", and "意见里" naming no document. `faq check` refuses both now.


@pytest.mark.parametrize(
    ("entry_id", "opening", "plain", "condition"),
    [
        ("unemployment-insurance-after-discharge", "可以申领。", "可以。", "可以申领"),
        ("st-startup-expert-appointment", "要看站点。", "可以。", "或者"),
        ("nat-reapply-after-exit", "符合条件的可以。", "可以。", "符合认定条件"),
        ("nat-flexible-insurance-subsidy", "按规定可以享受。", "有。", "按规定"),
    ],
)
def test_a_plain_yes_over_a_conditional_source_is_refused(
    entries, docs, entry_id, opening, plain, condition
):
    entry = _one(entries, entry_id)
    assert entry.answer.startswith(opening)
    assert _problems(entry, docs) == []
    entry.answer = plain + entry.answer.removeprefix(opening)
    problems = _problems(entry, docs)
    assert any(
        f"opens with a plain {plain[:-1]!r} but its source says {condition!r}" in p
        for p in problems
    ), problems


def test_a_plain_yes_over_an_unconditional_source_passes(entries, docs):
    """站点's basic service (附件第7项) has no condition: "能。" says what the document says."""
    entry = _one(entries, "st-job-search")
    assert entry.answer.startswith("能。")
    assert _problems(entry, docs) == []


@pytest.mark.parametrize(
    ("entry_id", "named", "unnamed"),
    [
        ("jd26-online-job-fairs", "嘉定2026年的退役军人就业意见提出", "意见提出"),
        ("jd26-internship-opportunity", "嘉定2026年的退役军人就业意见写的是", "意见里写的是"),
        ("st-station-sign", "嘉定的站点建设方案要求", "方案要求"),
        ("jd26-where-to-start", "按照嘉定2026年的退役军人就业意见", "按照意见"),
    ],
)
def test_an_answer_must_say_which_document_it_quotes(entries, docs, entry_id, named, unnamed):
    entry = _one(entries, entry_id)
    assert named in entry.answer
    assert _problems(entry, docs) == []
    entry.answer = entry.answer.replace(named, unnamed, 1)
    assert any("does not say which document" in p for p in _problems(entry, docs))


def test_no_answer_sends_people_to_a_stations_specialist(entries):
    """Only some stations have a veterans' window with its own staff (jd-2026-1 (一) 试点), so an
    answer never tells people to ask "the specialist" at the nearest station."""
    assert [e.id for e in entries if re.search(r"服务站问[^，。]{0,6}专员", e.answer)] == []


def _broken_entries(entries):
    """One entry per framing rule, each broken the way a curator might."""
    beijing = _one(entries, "bj-training-free-choice")
    beijing.answer = "可以。" + beijing.answer
    unmarked = _one(entries, "jd-adaptive-training-hours")
    unmarked.answer = unmarked.answer.replace(BEIJING_MARKER, "北京规定")
    undated = _one(entries, "jd20-layoff-rules")
    undated.answer = undated.answer.split("这是2020年的要求")[0] + "这对所有人都适用。"
    long_reply = _one(entries, "bj-assistance-chain")
    long_reply.answer = BEIJING_MARKER + "长" * (MAX_ANSWER_CHARS - len(BEIJING_MARKER))
    internal = _one(entries, "st-paperwork-overview")
    internal.answer = "能。这是站点的基础功能，就困认定也能办。"
    other_clause = _one(entries, "nat-assistance-overview")
    other_clause.sources[0] = replace(other_clause.sources[0], clause="第一部分")
    no_clause = _one(entries, "nat-assistance-overview")
    no_clause.sources = [replace(no_clause.sources[0], clause="第三部分第4款")]
    plain_yes = _one(entries, "unemployment-insurance-after-discharge")
    plain_yes.answer = "可以。" + plain_yes.answer.split("。", 1)[1]
    unnamed = _one(entries, "jd26-online-job-fairs")
    unnamed.answer = "意见提出开展线上招聘。" + unnamed.answer
    return [
        beijing,
        unmarked,
        undated,
        long_reply,
        internal,
        other_clause,
        no_clause,
        plain_yes,
        unnamed,
    ]


def test_the_console_shows_every_framing_problem_in_chinese(entries, docs):
    """Curators read the checker's findings in the console's FAQ editor: none in English."""
    from web.console.faq_forms import problem_text

    problems = [p for entry in _broken_entries(entries) for p in _problems(entry, docs)]
    assert len(problems) >= 9
    for problem in problems:
        shown = problem_text(problem)
        assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", shown), (problem, shown)
