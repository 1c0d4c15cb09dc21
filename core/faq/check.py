"""`vetbot faq check`: every rule the content must pass, as a list of problems."""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.content_files import read_yaml
from core.faq.schema import (
    BEIJING_DOC,
    BEIJING_MARKER,
    DATED_DOCS,
    EVAL_DIR,
    ID_PATTERN,
    INTERNAL_WORDS,
    MAX_ANSWER_CHARS,
    MAX_DETAIL_CHARS,
    MAX_REPLY_CHARS,
    MIN_SIMILAR,
    MUST_MENTION,
    NUMBER,
    SCOPES,
    SPELL_OUT,
    STILL_APPLIES,
    UNDATED,
    WHERE_TO_ASK,
    Document,
    Entry,
    citation_line,
    fold,
)

# A dev question this close (character-bigram Jaccard) to a similar question is a copy.
DEV_OVERLAP_JACCARD = 0.75

# What a veteran reads as a plain yes (review/README.md, second blind read): an answer that
# opens with one of these and then a stop, when the quote its key fact comes from (the
# first source) carries one of CONDITIONS, says more than the document. It opens with the
# condition instead: 可以申领 / 符合条件的可以 / 按规定可以享受 / 要看站点.
UNCONDITIONAL_YES = re.compile(r"^(?:可以|能|有|会|行|是的|对)的?[。，！；,!;]")
CONDITIONS = re.compile(r"可以申领|按规定|符合[^，。；]{0,4}条件|试点|或者|有条件|可适当")
# The first time an answer attributes a claim to "the opinion" or "the plan" it says which:
# 嘉定2026年的退役军人就业意见, 国家层面的意见, 北京…, 嘉定的站点建设方案, or a 文号.
ATTRIBUTED = re.compile(
    r"(?:按照|按|这份)(?:意见|方案)"
    r"|(?:意见|方案)都?(?:提出|要求|明确|规定|鼓励|支持|写明|写的是|里|中|没有|只)"
)
NAMED = re.compile(r"20\d\d年|国家层面|全国|北京|〔|站点建设方案")


def check_entry(entry: Entry, docs: dict[str, Document]) -> list[str]:
    where = f"{entry.file}:{entry.id or '?'}"
    problems: list[str] = []
    if not ID_PATTERN.match(entry.id):
        problems.append(f"{where}: id must be lower-case letters, digits and dashes")
    if not entry.question:
        problems.append(f"{where}: question is missing")
    if len(entry.similar) < MIN_SIMILAR:
        problems.append(
            f"{where}: needs at least {MIN_SIMILAR} similar questions ({len(entry.similar)})"
        )
    folded = [fold(q) for q in [entry.question, *entry.similar]]
    if len(set(folded)) != len(folded):
        problems.append(f"{where}: a similar question repeats another or the question")
    if not entry.keywords:
        problems.append(f"{where}: needs keywords")
    if not entry.answer:
        problems.append(f"{where}: answer is missing")
    elif len(entry.answer) > MAX_ANSWER_CHARS:
        problems.append(
            f"{where}: answer has {len(entry.answer)} characters (max {MAX_ANSWER_CHARS})"
        )
    if len(entry.detail) > MAX_DETAIL_CHARS:
        problems.append(
            f"{where}: detail has {len(entry.detail)} characters (max {MAX_DETAIL_CHARS})"
        )
    if entry.scope not in SCOPES:
        problems.append(f"{where}: scope must be one of {', '.join(SCOPES)}")
    if entry.extra:
        problems.append(f"{where}: unknown fields {', '.join(sorted(entry.extra))}")
    problems.extend(_check_sources(entry, docs, where))
    if entry.answer:
        problems.extend(_check_framing(entry, docs, where))
    return problems


def _check_framing(entry: Entry, docs: dict[str, Document], where: str) -> list[str]:
    """What a veteran reads: Jiading first, Beijing marked, dated measures dated, the reply
    within a phone screen with its source line, no internal words."""
    problems: list[str] = []
    answer = entry.answer
    cited = {s.doc for s in entry.sources}
    if entry.scope == "beijing" and not answer.startswith(BEIJING_MARKER):
        problems.append(f"{where}: a Beijing answer must begin with {BEIJING_MARKER!r}")
    elif BEIJING_DOC in cited and BEIJING_MARKER not in answer:
        problems.append(
            f"{where}: an answer citing {BEIJING_DOC} must introduce it with {BEIJING_MARKER!r}"
        )
    for doc, year in DATED_DOCS.items():
        if doc in cited:
            problems.extend(_check_dated(answer, doc, year, where))
    reply = len(answer) + 1 + len(citation_line(entry.sources, docs))
    if reply > MAX_REPLY_CHARS:
        problems.append(
            f"{where}: answer and source line have {reply} characters (max {MAX_REPLY_CHARS})"
        )
    for word in INTERNAL_WORDS:
        if word in answer:
            problems.append(f"{where}: {word!r} is the station list's word, not a reader's")
    for short, spelled in SPELL_OUT.items():
        if short in answer and spelled not in answer:
            problems.append(f"{where}: {short!r} needs the words {spelled!r} too")
    problems.extend(_check_overstatement(entry, where))
    return problems


def _check_overstatement(entry: Entry, where: str) -> list[str]:
    """A plain yes where the document says "may apply", "as provided", "if eligible", "pilot"
    or "A or B"; "the opinion says" without saying which (the second blind read)."""
    problems: list[str] = []
    answer = entry.answer
    yes = UNCONDITIONAL_YES.match(answer)
    first = entry.sources[0].quote if entry.sources else ""
    condition = CONDITIONS.search(first)
    if yes and condition:
        problems.append(
            f"{where}: opens with a plain {yes.group(0)[:-1]!r} but its source says"
            f" {condition.group(0)!r}: open with the condition (e.g. 可以申领, 符合条件的可以)"
        )
    said = ATTRIBUTED.search(answer)
    if said and not NAMED.search(answer[: said.end()]):
        problems.append(
            f"{where}: {said.group(0)!r} does not say which document: name it the first time"
            " (e.g. 嘉定2026年的退役军人就业意见, 国家层面的意见, 嘉定的站点建设方案)"
        )
    return problems


def _check_dated(answer: str, doc: str, year: str, where: str) -> list[str]:
    """An answer from a dated document: the year, whether it still applies and where to ask,
    never a present-tense "applies to everyone"."""
    problems: list[str] = []
    if year not in answer or not any(p in answer for p in STILL_APPLIES):
        problems.append(
            f"{where}: an answer from {doc} must say it is a {year} measure and ask whether"
            f" it still applies (one of {', '.join(STILL_APPLIES)})"
        )
    if not any(p in answer for p in WHERE_TO_ASK):
        problems.append(f"{where}: an answer from {doc} must say where to ask")
    problems.extend(
        f"{where}: an answer from {doc} says {phrase!r}: say 当时…"
        for phrase in UNDATED
        if phrase in answer
    )
    return problems


def _check_sources(entry: Entry, docs: dict[str, Document], where: str) -> list[str]:
    problems: list[str] = []
    if not entry.sources:
        return [f"{where}: needs at least one source"]
    cited: list[Document] = []
    for source in entry.sources:
        doc = docs.get(source.doc)
        if doc is None:
            problems.append(f"{where}: unknown document {source.doc!r} (known: {', '.join(docs)})")
            continue
        cited.append(doc)
        if not source.clause:
            problems.append(f"{where}: source {source.doc} names no clause")
        if not source.quote:
            problems.append(f"{where}: source {source.doc} needs a quote from the document")
        elif fold(source.quote) not in doc.folded_text:
            problems.append(f"{where}: quote not found in {source.doc}: {source.quote[:30]}…")
        elif source.clause:
            problems.extend(_check_clause(source.doc, source.clause, source.quote, doc, where))
        needed = MUST_MENTION.get(doc.key)
        if needed and needed not in entry.answer:
            problems.append(
                f"{where}: an answer from {doc.key} must say {needed!r} (where it applies)"
            )
    if cited:
        texts = "".join(d.folded_text for d in cited)
        for number in NUMBER.findall(entry.answer + entry.detail):
            if number not in texts:
                problems.append(f"{where}: the number {number} is not in the cited documents")
    return problems


def _check_clause(key: str, clause: str, quote: str, doc: Document, where: str) -> list[str]:
    """The quote is in the clause the source names, not only somewhere in the document (the
    first blind read found a quote from Part 1 cited as Part 3)."""
    text = layout(doc.text).clause_text(clause)
    if text is None:
        return [
            f"{where}: {key} has no clause {clause!r} (write it as 第（三）条, 第三部分第（二）条,"
            " 第三部分第1条, 第二部分（总述）, 附件第16项, 附件 or 标题及文号)"
        ]
    if fold(quote) not in fold(text):
        return [f"{where}: quote is in {key} but not in its {clause}: {quote[:30]}…"]
    return []


# --- Where each clause of a source text is ---------------------------------------------------

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

Span = tuple[int, int]


def _in_order(
    matches: Iterator[re.Match[str]], value: Callable[[str], int] = _number
) -> list[tuple[int, int]]:
    """(position, n) of headings numbered 1, 2, 3 … in order: a numeral out of sequence (a
    wrapped line that happens to start with one) is not a heading."""
    found: list[tuple[int, int]] = []
    for m in matches:
        if value(m.group(1)) == len(found) + 1:
            found.append((m.start(), len(found) + 1))
    return found


def _spans(marks: list[tuple[int, int]], end: int) -> dict[int, Span]:
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
        self.clauses: dict[int, dict[int, Span]] = {}
        self.items: dict[int, dict[int, Span]] = {}
        self.intro: dict[int, Span] = {}
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

    def span(self, clause: str) -> Span | None:
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

    def _in_part(self, part: int, rest: str) -> Span | None:
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


@lru_cache(maxsize=16)
def layout(text: str) -> Layout:
    """The layout of a source text, read once per process (the texts do not change)."""
    return Layout(text)


def check_catalog(entries: Iterable[Entry], docs: dict[str, Document]) -> list[str]:
    entries = list(entries)
    problems: list[str] = []
    ids: dict[str, str] = {}
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        problems.extend(check_entry(entry, docs))
        if entry.id in ids:
            problems.append(f"{entry.file}:{entry.id}: id also used in {ids[entry.id]}")
        ids.setdefault(entry.id, entry.file)
        for q in [entry.question, *entry.similar]:
            owners[fold(q)].add(entry.id)
    for text, owner_ids in owners.items():
        if len(owner_ids) > 1:
            problems.append(f"the same question {text!r} is under {', '.join(sorted(owner_ids))}")
    return problems


@dataclass(frozen=True)
class DevItem:
    question: str
    expect: str | None  # an entry id, or None for out of scope
    part: str = ""  # "tune" (used to choose weights and thresholds) or "heldout"
    # The label its writer gave, when a label audit changed it (eval/audit/README.md):
    # kept so that the figures on the labels as first written can always be shown too.
    written: str | None = None
    relabelled: bool = False

    def as_written(self) -> DevItem:
        return replace(self, expect=self.written, relabelled=False) if self.relabelled else self


def load_devset(path: Path) -> list[DevItem]:
    raw = read_yaml(path)
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: needs `items`: a list of {{q, expect}}")
    return [_dev_item(i) for i in items]


def _dev_item(raw: dict[str, Any]) -> DevItem:
    audit = raw.get("audit")
    relabelled = isinstance(audit, dict) and "written" in audit
    return DevItem(
        str(raw["q"]).strip(),
        raw.get("expect") or None,
        str(raw.get("part") or ""),
        written=(audit or {}).get("written") or None,
        relabelled=relabelled,
    )


def default_devset() -> Path:
    return EVAL_DIR / "dev.yaml"


def _bigrams(text: str) -> set[str]:
    text = fold(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


class Phrasings:
    """Labelled phrasings, to tell whether a test message copies one (exactly, or with a
    character-bigram Jaccard of at least `threshold`). A test message that copies what
    the bot learned from measures nothing."""

    def __init__(self, labelled: list[tuple[str, str]], threshold: float) -> None:
        self.threshold = threshold
        # By size: a Jaccard of t needs sizes within a factor t of each other, so each
        # message is compared with that band only.
        self.items = sorted(
            ((label, q, _bigrams(q)) for label, q in labelled), key=lambda p: len(p[2])
        )
        self.sizes = [len(grams) for _, _, grams in self.items]
        self.exact = {fold(q): (label, q) for label, q, _ in self.items}

    def copied(self, text: str) -> tuple[str, str, bool] | None:
        """(label, phrasing, exact) of the phrasing `text` copies, or None."""
        same = self.exact.get(fold(text))
        if same is not None:
            return same[0], same[1], True
        grams = _bigrams(text)
        band = slice(
            bisect_left(self.sizes, math.ceil(self.threshold * len(grams))),
            bisect_right(self.sizes, len(grams) / self.threshold),
        )
        for label, q, other in self.items[band]:
            if len(grams & other) / len(grams | other) >= self.threshold:
                return label, q, False
        return None


def faq_phrasings(entries: list[Entry]) -> list[tuple[str, str]]:
    return [(e.id, q) for e in entries for q in [e.question, *e.similar]]


def check_devset(items: list[DevItem], entries: list[Entry]) -> list[str]:
    """Dev questions must point at real entries and must not be copies of similar questions."""
    problems: list[str] = []
    ids = {e.id for e in entries}
    phrasings = Phrasings(faq_phrasings(entries), DEV_OVERLAP_JACCARD)
    for item in items:
        for label in [item.expect, item.written]:
            if label is not None and label not in ids:
                problems.append(f"dev: {item.question!r} expects unknown entry {label!r}")
        if item.relabelled and item.written == item.expect:
            problems.append(f"dev: {item.question!r}: audit record repeats its label")
        copy = phrasings.copied(item.question)
        if copy is not None and copy[2]:
            problems.append(f"dev: {item.question!r} is also a FAQ question")
        elif copy is not None:
            problems.append(f"dev: {item.question!r} is too close to {copy[0]}: {copy[1]!r}")
    return problems


def run_checks(devset: Path | None = None) -> tuple[int, list[str]]:
    """Load everything and check it; returns (number of entries, problems).

    Without `devset`, every labelled set in eval/ is checked (the dev set and any fresh test
    set): a test question that copies a phrasing measures nothing."""
    from core.faq.schema import ContentError, load_documents, load_entries

    try:
        entries = load_entries()
    except ContentError as exc:
        return 0, [str(exc)]
    problems = check_catalog(entries, load_documents())
    for path in [devset] if devset else sorted(EVAL_DIR.glob("*.yaml")):
        if path.exists():
            problems.extend(f"{path.name}: {p}" for p in check_devset(load_devset(path), entries))
    return len(entries), problems


if __name__ == "__main__":
    import sys

    count, found = run_checks()
    for problem in found:
        print(problem)
    print(f"{count} entries, {len(found)} problems")
    sys.exit(1 if found else 0)
