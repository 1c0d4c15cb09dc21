"""The FAQ content files: their shape, and every rule a curator's edit must pass.

One YAML file per topic. Each entry: id, question, similar questions (how people
really ask), keywords, a short chat answer, an optional longer detail, the scope and
the sources (document, clause, and a verbatim quote that must be found in that
document). Numbers in an answer must appear in the documents it cites: the bot never
states a figure the documents do not print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from core.content_files import read_yaml
from core.faq.text import fold

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "policy_faq"
SOURCES_FILE = CONTENT_DIR / "sources.yaml"
SOURCE_TEXTS = CONTENT_DIR / "sources"
EVAL_DIR = CONTENT_DIR / "eval"

SCOPES = {"jiading": "嘉定区", "shanghai": "上海市", "national": "全国", "beijing": "北京市做法"}
MAX_ANSWER_CHARS = 300
MAX_DETAIL_CHARS = 2000
MIN_SIMILAR = 5
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Documents whose answers must say where they come from.
MUST_MENTION = {"bj-2023": "北京", "jd-2020-6": "2020"}

# How answers are framed (content/policy_faq/review/README.md; `vetbot faq check` enforces it).
# The chat prints answer + "\n" + citation line + a link line: the first two together stay
# within MAX_REPLY_CHARS, so a reply fits a phone screen with its source.
MAX_REPLY_CHARS = 360
# Beijing's practice is not Jiading policy: a Beijing answer opens with this, never with an
# unconditional 可以 / 有 / 会; any other answer citing Beijing's document introduces it so.
BEIJING_DOC = "bj-2023"
BEIJING_MARKER = "北京市的做法是"
# A measure of the 2020 document is history until someone confirms it: its answers name the
# year, say that whether it still applies is to be asked (one of STILL_APPLIES) and where
# (one of WHERE_TO_ASK), and never say it applies to everyone now (UNDATED).
DATED_DOCS = {"jd-2020-6": "2020年"}
STILL_APPLIES = ("现在是否仍执行", "现在是否仍适用", "现在是否还有")
WHERE_TO_ASK = ("社区就业服务站", "“人工”")
UNDATED = ("都适用", "均适用", "对所有", "这是面向", "这是普遍")
# The station list's internal categories mean nothing to a veteran: "部分服务站提供" says it.
INTERNAL_WORDS = ("基础功能", "拓展功能", "创新功能", "模块")
# Short forms an answer may use only with the words people use for them.
SPELL_OUT = {"就困认定": "就业困难人员认定"}


@dataclass(frozen=True)
class Document:
    key: str
    number: str
    title: str
    issuer: str
    date: str
    scope: str
    text: str

    @property
    def citation_name(self) -> str:
        return self.number or f"{self.issuer}《{self.title}》"

    @cached_property
    def folded_text(self) -> str:
        """The text as `fold` sees it, where quotes and numbers are looked for: folded once,
        not once per entry that cites it."""
        return fold(self.text)


@dataclass(frozen=True)
class SourceRef:
    doc: str
    clause: str
    quote: str = ""


@dataclass
class Entry:
    id: str
    category: str
    question: str
    similar: list[str]
    keywords: list[str]
    answer: str
    scope: str
    sources: list[SourceRef]
    detail: str = ""
    file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_yaml_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "similar": list(self.similar),
            "keywords": list(self.keywords),
            "answer": self.answer,
        }
        if self.detail:
            data["detail"] = self.detail
        data["scope"] = self.scope
        data["sources"] = [
            {k: v for k, v in (("doc", s.doc), ("clause", s.clause), ("quote", s.quote)) if v}
            for s in self.sources
        ]
        return data


def citation_line(sources: list[SourceRef], docs: dict[str, Document]) -> str:
    """ "来源：嘉退役军人局发〔2026〕1号 第（三）条" as a reply prints it."""
    return citation_of(((s.doc, s.clause) for s in sources), docs)


def citation_of(sources: Iterable[tuple[str, str]], docs: dict[str, Document]) -> str:
    """The source line from (document id, clause) pairs: one part per clause, however many
    quotes come from it. The chat (core.faq.catalog) and `faq check` both print this."""
    parts: list[str] = []
    for doc_id, clause in sources:
        doc = docs.get(doc_id)
        name = doc.citation_name if doc else doc_id
        part = f"{name} {clause}".strip()
        if part not in parts:
            parts.append(part)
    return "来源：" + "；".join(parts)


def load_documents(path: Path = SOURCES_FILE) -> dict[str, Document]:
    raw = read_yaml(path)
    docs = {}
    for key, meta in raw.items():
        text = (SOURCE_TEXTS / meta["file"]).read_text(encoding="utf-8")
        docs[key] = Document(
            key=key,
            number=str(meta.get("number") or ""),
            title=str(meta["title"]),
            issuer=str(meta["issuer"]),
            date=str(meta["date"]),
            scope=str(meta["scope"]),
            text=text,
        )
    return docs


class ContentError(ValueError):
    """A file that cannot even be read as FAQ content."""


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def parse_entry(raw: Any, category: str, file: str) -> Entry:
    if not isinstance(raw, dict):
        raise ContentError(f"{file}: an entry is not a mapping")
    sources = []
    for s in raw.get("sources") or []:
        if isinstance(s, dict):
            sources.append(
                SourceRef(str(s.get("doc", "")), str(s.get("clause", "")), str(s.get("quote", "")))
            )
    known = {"id", "question", "similar", "keywords", "answer", "detail", "scope", "sources"}
    return Entry(
        id=str(raw.get("id", "")).strip(),
        category=category,
        question=str(raw.get("question", "")).strip(),
        similar=_str_list(raw.get("similar")),
        keywords=_str_list(raw.get("keywords")),
        answer=str(raw.get("answer", "")).strip(),
        detail=str(raw.get("detail", "") or "").strip(),
        scope=str(raw.get("scope", "")).strip(),
        sources=sources,
        file=file,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_file(path: Path) -> list[Entry]:
    try:
        raw = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        raise ContentError(f"{path.name}: needs a mapping with `category` and `entries`")
    category = str(raw.get("category", "")).strip()
    if not category:
        raise ContentError(f"{path.name}: `category` is missing")
    return [parse_entry(e, category, path.name) for e in raw["entries"]]


NOT_ENTRIES = {SOURCES_FILE.name, "lexicon.yaml"}


def content_files(directory: Path = CONTENT_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name not in NOT_ENTRIES)


def load_entries(directory: Path = CONTENT_DIR) -> list[Entry]:
    entries: list[Entry] = []
    for path in content_files(directory):
        entries.extend(load_file(path))
    return entries
