"""Forms for the FAQ curation pages, and the checker's problems in curators' words.

The forms only shape input (split lines, trim, keep every typed value for a re-shown
page); the content rules themselves stay in `core.faq.curation`, which runs
the same checks as `vetbot faq check`. Its messages are written for developers in
English, so `problem_text` translates the known ones for district admins.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Regexp, ValidationError

from core.faq.schema import SCOPES, Document, Entry, SourceRef
from web.console.forms import _Choice, _normalise_newlines, _strip

# Three rows cover nearly every entry; an entry that already cites more gets a row each.
SOURCE_ROWS = 3
MAX_SOURCE_ROWS = 10
# Paths under /console/faq/ that an entry id must not take, or its page would be unreachable.
RESERVED_IDS = {"new", "unanswered"}
# A group can hold many log rows; more ids than this in one request are not legitimate.
MAX_QUERY_IDS = 5000
KEYWORD_SPLIT = re.compile(r"[,，、;；\n]+")


def split_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def split_keywords(text: str | None) -> list[str]:
    """Curators type keywords with either comma or one per line; accept both."""
    return [word.strip() for word in KEYWORD_SPLIT.split(text or "") if word.strip()]


def parse_ids(text: str | None) -> list[int]:
    """Query ids from a "1,2,3" parameter; junk is dropped rather than refused."""
    ids = [int(part) for part in re.split(r"[,\s]+", text or "") if part.isdigit()]
    return list(dict.fromkeys(ids))[:MAX_QUERY_IDS]


class SourceRow(Form):
    """One source: a plain Form, as the CSRF token belongs to the outer form only."""

    doc = SelectField("文件", validate_choice=False)
    clause = StringField("条款", filters=[_strip])
    quote = TextAreaField("原文引用", filters=[_normalise_newlines])

    def is_blank(self) -> bool:
        return not (self.doc.data or self.clause.data or self.quote.data)


class EntryForm(FlaskForm):
    """Edit or create an entry. Only shape is checked here; content rules run on save."""

    id = StringField(
        "编号",
        filters=[_strip],
        validators=[
            Regexp(
                r"^[a-z0-9][a-z0-9-]{2,63}$",
                message="编号只能用小写字母、数字和短横线，3到64个字符，如 jd26-training-signup。",
            )
        ],
    )
    category = StringField(
        "分类", filters=[_strip], validators=[Length(max=64, message="分类过长。")]
    )
    question = StringField(
        "标准问题", filters=[_strip], validators=[Length(max=200, message="问题过长。")]
    )
    similar = TextAreaField("其他问法（每行一个）", filters=[_normalise_newlines])
    keywords = TextAreaField("关键词（逗号分隔或每行一个）", filters=[_normalise_newlines])
    answer = TextAreaField("回答（聊天中直接发送）", filters=[_normalise_newlines])
    detail = TextAreaField("详细说明（可选，显示在详情页）", filters=[_normalise_newlines])
    scope = SelectField(
        "适用范围", choices=[_Choice(k, v) for k, v in SCOPES.items()], validate_choice=False
    )
    sources = FieldList(FormField(SourceRow), min_entries=0, max_entries=MAX_SOURCE_ROWS)
    queries = HiddenField()
    version = HiddenField()

    def prepare(self, documents: dict[str, Document], is_new: bool) -> EntryForm:
        """Choices for the document selects, and enough empty rows to add a source."""
        if not is_new:
            del self.id
        while len(self.sources) < SOURCE_ROWS:
            self.sources.append_entry()
        choices = [_Choice("", "（选择文件）")]
        choices += [_Choice(d.key, f"{d.key} · {d.citation_name}") for d in documents.values()]
        known = {d.key for d in documents.values()}
        for row in self.sources:
            extra = row.form.doc.data
            row_choices = list(choices)
            if extra and extra not in known:  # keep an unknown key visible, not silently dropped
                row_choices.append(_Choice(extra, f"{extra}（未知文件）"))
            row.form.doc.choices = row_choices
        return self

    def validate_id(self, field: StringField) -> None:
        if field.data in RESERVED_IDS:
            raise ValidationError(f"“{field.data}”是系统保留字，不能用作编号。")

    def to_entry(self, faq_id: str) -> Entry:
        return Entry(
            id=faq_id,
            category=self.category.data or "",
            question=self.question.data or "",
            similar=split_lines(self.similar.data),
            keywords=split_keywords(self.keywords.data),
            answer=self.answer.data or "",
            detail=self.detail.data or "",
            scope=self.scope.data or "",
            sources=[
                SourceRef(
                    row.form.doc.data or "", row.form.clause.data or "", row.form.quote.data or ""
                )
                for row in self.sources
                if not row.form.is_blank()
            ],
        )


def entry_data(entry: Entry, version: str = "", queries: str = "") -> dict[str, object]:
    """What the form shows for an existing entry (or a prefilled new one)."""
    return {
        "id": entry.id,
        "category": entry.category,
        "question": entry.question,
        "similar": "\n".join(entry.similar),
        "keywords": "\n".join(entry.keywords),
        "answer": entry.answer,
        "detail": entry.detail,
        "scope": entry.scope,
        "sources": [{"doc": s.doc, "clause": s.clause, "quote": s.quote} for s in entry.sources],
        "version": version,
        "queries": queries,
    }


class AddSimilarForm(FlaskForm):
    """The "加为其他问法" button: the group's text and log ids go with the chosen entry's id."""

    faq_id = StringField(filters=[_strip])
    question = HiddenField(filters=[_strip])
    queries = HiddenField()
    days = HiddenField()


class IgnoreForm(FlaskForm):
    """The "忽略" button: the group is not worth an entry; mark its questions as dealt with."""

    queries = HiddenField()
    days = HiddenField()


# --- the checker's messages, for curators -------------------------------------------

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_RULES: list[_Rule] = [
    (re.compile(r"id must be"), lambda m: "编号只能用小写字母、数字和短横线（3到64个字符）。"),
    (re.compile(r"question is missing"), lambda m: "请填写标准问题。"),
    (
        re.compile(r"needs at least (\d+) similar questions \((\d+)\)"),
        lambda m: f"其他问法至少需要 {m[1]} 条（现有 {m[2]} 条）。",
    ),
    (re.compile(r"a similar question repeats"), lambda m: "其他问法有重复，或与标准问题相同。"),
    (re.compile(r"needs keywords"), lambda m: "请填写关键词。"),
    (re.compile(r"answer is missing"), lambda m: "请填写回答。"),
    (
        re.compile(r"answer has (\d+) characters \(max (\d+)\)"),
        lambda m: f"回答有 {m[1]} 个字，超过上限 {m[2]} 字。",
    ),
    (
        re.compile(r"detail has (\d+) characters \(max (\d+)\)"),
        lambda m: f"详细说明有 {m[1]} 个字，超过上限 {m[2]} 字。",
    ),
    (re.compile(r"scope must be one of"), lambda m: "请选择适用范围。"),
    (
        re.compile(r"needs at least one source"),
        lambda m: "至少需要一条来源（文件、条款和原文引用）。",
    ),
    (
        re.compile(r"unknown document '(.*?)' \(known"),
        lambda m: f"来源文件“{m[1]}”不存在。" if m[1] else "有一条来源没有选择文件。",
    ),
    (re.compile(r"source (\S+) names no clause"), lambda m: f"来源 {m[1]} 没有填写条款。"),
    (
        re.compile(r"source (\S+) needs a quote"),
        lambda m: f"来源 {m[1]} 需要填写文件中的原文引用。",
    ),
    (
        re.compile(r"quote not found in (\S+): (.*)$", re.S),
        lambda m: f"引用在文件 {m[1]} 中找不到（须逐字摘自原文）：{m[2]}",
    ),
    (
        re.compile(r"an answer from (\S+) must say '(.*?)'"),
        lambda m: f"引用 {m[1]} 的回答必须写明“{m[2]}”，让读者知道适用范围。",
    ),
    (
        re.compile(r"the number (\S+) is not in the cited documents"),
        lambda m: f"数字 {m[1]} 在所引用的文件中找不到：回答里的数字必须出自来源文件。",
    ),
    (
        re.compile(r"a Beijing answer must begin with '(.*?)'"),
        lambda m: f"北京的做法须以“{m[1]}”开头，让读者知道这不是嘉定的规定。",
    ),
    (
        re.compile(r"must introduce it with '(.*?)'"),
        lambda m: f"引用北京文件的内容须用“{m[1]}”引出，与嘉定的规定分开。",
    ),
    (
        re.compile(r"answer and source line have (\d+) characters \(max (\d+)\)"),
        lambda m: f"回答加来源共 {m[1]} 个字，超过一屏的上限 {m[2]} 字，请精简。",
    ),
    (
        re.compile(r"'(.*?)' is the station list's word"),
        lambda m: f"“{m[1]}”是站点清单的内部用语，请换成退役军人能看懂的说法。",
    ),
    (
        re.compile(r"'(.*?)' needs the words '(.*?)' too"),
        lambda m: f"用了简称“{m[1]}”，须同时写出“{m[2]}”。",
    ),
    (
        re.compile(r"opens with a plain '(.*?)' but its source says '(.*?)'"),
        lambda m: (
            f"回答以“{m[1]}”直接肯定开头，但来源写的是“{m[2]}”：请先说条件（如“可以申领”“符合条件的可以”）。"
        ),
    ),
    (
        re.compile(r"'(.*?)' does not say which document"),
        lambda m: (
            f"“{m[1]}”没有说是哪份文件：第一次提到时请写明（如“嘉定2026年的退役军人就业意见”）。"
        ),
    ),
    (
        re.compile(r"an answer from (\S+) must say it is a (\S+?)年? measure"),
        lambda m: f"引用 {m[1]} 的回答须说明这是 {m[2]} 年的措施，并说明现在是否仍执行要去哪里问。",
    ),
    (
        re.compile(r"an answer from (\S+) must say where to ask"),
        lambda m: f"引用 {m[1]} 的回答须告诉读者到哪里咨询。",
    ),
    (
        re.compile(r"an answer from (\S+) says '(.*?)': say 当时"),
        lambda m: f"引用 {m[1]} 的回答写了“{m[2]}”，像是现在的规定：请写成“当时……”。",
    ),
    (
        re.compile(r"(\S+) has no clause '(.*?)'"),
        lambda m: (
            f"文件 {m[1]} 中找不到条款“{m[2]}”（写法如：第（三）条、第三部分第（二）条、附件第16项）。"
        ),
    ),
    (
        re.compile(r"quote is in (\S+) but not in its (\S+): (.*)$", re.S),
        lambda m: f"引用在文件 {m[1]} 中，但不在所写的 {m[2]} 里：{m[3]}",
    ),
    (re.compile(r"id also used in (\S+)"), lambda m: f"编号已被使用（{m[1]}）。"),
    (
        re.compile(r"the same question '(.*?)' is under (.+)$"),
        lambda m: f"问法“{m[1]}”同时出现在条目 {m[2]} 中，一个问法只能属于一个条目。",
    ),
]


def problem_text(problem: str) -> str:
    """A checker problem in Chinese; unknown ones are shown as written, never dropped."""
    for pattern, render in _RULES:
        found = pattern.search(problem)
        if found:
            return render(found)
    return problem
