"""How answers are framed (issue 12): `vetbot faq check` refuses each kind of misleading
answer — Beijing's practice unmarked, a 2020 measure stated as current, a reply that
outgrows a phone screen with its source line, the station list's internal words."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

import pytest

from core.faq.catalog import Catalog, EntryView
from core.faq.check import check_catalog
from core.faq.schema import (
    BEIJING_MARKER,
    MAX_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    SourceRef,
    citation_line,
    fold,
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
# `vetbot faq check` finds a quote anywhere in its document, so a quote from Part 1 cited as
# Part 3 passed it. These tests find the cited clause in the source text and look for the
# quote there, and catch two wordings the blind reader found misleading.

_NUMERALS = "一二三四五六七八九"


def _number(numeral: str) -> int:
    """一 … 九十九 as an int."""
    tens, ten, units = numeral.rpartition("十")
    if not ten:
        return _NUMERALS.index(units) + 1
    return (_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (
        _NUMERALS.index(units) + 1 if units else 0
    )


_PART = re.compile(r"^[\s#]*([一二三四五六七八九十]+)、", re.M)  # 一、 二、 … (NFKC text)
_CLAUSE = re.compile(r"^[\s#]*\(([一二三四五六七八九十]+)\)", re.M)  # (一) (二) …
_ITEM = re.compile(r"^\s*(\d+)\.\s", re.M)  # 1. 2. … inside a part
_ROW = re.compile(r"^[^\t\n]*\t(\d+)[\t ]", re.M)  # a row of the attachment's table
_CN = "([一二三四五六七八九十]+)"


def _in_order(matches: Iterator[re.Match[str]], value=_number) -> list[tuple[int, int]]:
    """(position, n) of headings numbered 1, 2, 3 … in order: a numeral out of sequence (a
    wrapped line that happens to start with one) is not a heading."""
    found: list[tuple[int, int]] = []
    for m in matches:
        if value(m.group(1)) == len(found) + 1:
            found.append((m.start(), len(found) + 1))
    return found


def _spans(marks: list[tuple[int, int]], end: int) -> dict[int, tuple[int, int]]:
    return {
        n: (pos, marks[i + 1][0] if i + 1 < len(marks) else end) for i, (pos, n) in enumerate(marks)
    }


class Layout:
    """Where each clause of a source text is, for the clause names the FAQ uses:
    第三部分, 第三部分第（二）条, 第三部分第1条, 第二部分（总述）, 第（十一）条 (documents that number
    their clauses straight through), 附件 and 附件第16项, 标题… (before the first part) and
    落款 / 文末 (the last clause to the end)."""

    def __init__(self, text: str) -> None:
        t = self.text = unicodedata.normalize("NFKC", text)
        annex = re.search(r"^\s*附件\s*$", t, re.M)
        body_end = annex.start() if annex else len(t)
        self.annex = (annex.start(), len(t)) if annex else None
        self.rows = _spans(_in_order(_ROW.finditer(t, annex.end()), int), len(t)) if annex else {}
        parts = _in_order(_PART.finditer(t, 0, body_end))
        self.head = (0, parts[0][0] if parts else body_end)
        self.parts = _spans(parts, body_end)
        self.clauses: dict[int, dict[int, tuple[int, int]]] = {}
        self.items: dict[int, dict[int, tuple[int, int]]] = {}
        self.intro: dict[int, tuple[int, int]] = {}
        for part, (start, end) in self.parts.items():
            clauses = _in_order(_CLAUSE.finditer(t, start, end))
            items = _in_order(_ITEM.finditer(t, start, end), int)
            bounds = sorted({pos for pos, _ in clauses + items} | {end})
            self.clauses[part] = _spans(clauses, end)
            self.items[part] = {n: (pos, next(b for b in bounds if b > pos)) for pos, n in items}
            self.intro[part] = (start, bounds[0])
        running = _in_order(_CLAUSE.finditer(t, self.head[1], body_end))
        longest = max((len(c) for c in self.clauses.values()), default=0)
        self.running = _spans(running, body_end) if len(running) > longest else {}
        starts = [s for c in self.clauses.values() for s, _ in c.values()]
        self.tail = (max(starts or [self.head[1]]), body_end)

    def span(self, clause: str) -> tuple[int, int] | None:
        c = unicodedata.normalize("NFKC", clause).strip()
        if c.startswith("标题"):
            return self.head
        if c in ("落款", "文末"):
            return self.tail
        if c == "附件":
            return self.annex
        if m := re.fullmatch(r"附件第(\d+)项", c):
            return self.rows.get(int(m.group(1)))
        if m := re.fullmatch(rf"第\({_CN}\)条", c):
            return self.running.get(_number(m.group(1)))
        m = re.fullmatch(rf"第{_CN}部分(.*)", c)
        return self._in_part(_number(m.group(1)), m.group(2)) if m else None

    def _in_part(self, part: int, rest: str) -> tuple[int, int] | None:
        if rest == "":
            return self.parts.get(part)
        if rest == "(总述)":
            return self.intro.get(part)
        if n := re.fullmatch(rf"第\({_CN}\)条", rest):
            return self.clauses.get(part, {}).get(_number(n.group(1)))
        if n := re.fullmatch(r"第(\d+)条", rest):
            return self.items.get(part, {}).get(int(n.group(1)))
        return None

    def clause_text(self, clause: str) -> str | None:
        span = self.span(clause)
        return None if span is None else self.text[span[0] : span[1]]


@pytest.fixture(scope="module")
def layouts(docs):
    return {key: Layout(doc.text) for key, doc in docs.items()}


def _misplaced(entry, layouts) -> list[str]:
    """The citations of `entry` whose clause is not found, or does not hold the quote."""
    wrong = []
    for s in entry.sources:
        text = layouts[s.doc].clause_text(s.clause)
        if text is None:
            wrong.append(f"{entry.id}: {s.doc} has no clause {s.clause!r}")
        elif fold(s.quote) not in fold(text):
            wrong.append(f"{entry.id}: quote not in {s.doc} {s.clause}: {s.quote[:30]}…")
    return wrong


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


def test_every_quote_is_in_the_clause_it_cites(entries, layouts):
    wrong = [w for entry in entries for w in _misplaced(entry, layouts)]
    assert wrong == []


def test_a_quote_cited_to_the_wrong_part_is_found(entries, docs, layouts):
    """The blind read's entry 30: a quote from Part 1 of 退役军人部发〔2023〕4号 cited as Part 3.
    The quote is in the document, so `vetbot faq check` passes it; the clause is wrong."""
    entry = _one(entries, "nat-assistance-overview")
    assert _misplaced(entry, layouts) == []
    quote = "提供多岗位供给、多渠道保障的帮扶，全面落实各项支持政策"
    entry.sources = [SourceRef("mva-2023-4", "第三部分", quote), *entry.sources]
    assert _problems(entry, docs) == []
    assert _misplaced(entry, layouts) == [
        f"nat-assistance-overview: quote not in mva-2023-4 第三部分: {quote[:30]}…"
    ]
    entry.sources[0] = replace(entry.sources[0], clause="第一部分")
    assert _misplaced(entry, layouts) == []


def test_an_unknown_clause_name_is_found(entries, layouts):
    entry = _one(entries, "st-station-sign")
    entry.sources = [replace(entry.sources[0], clause="第三部分第4款")]
    assert any("has no clause" in w for w in _misplaced(entry, layouts))


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
