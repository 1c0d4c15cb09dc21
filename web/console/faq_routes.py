"""`/console/faq`: district admins curate the policy FAQ the bot answers from.

Two jobs: correct an entry (every save passes the same checks as `vetbot faq check`,
and the bot serves the new text on its next question), and turn questions the bot
could not answer into content in two clicks. Views stay thin: `faq_curation` does the
work and only flushes; each view commits, or rolls back and re-shows what was typed.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.faq import curation as faq_curation
from core.faq.content import row_to_entry
from core.faq.curation import CurationError
from core.faq.models import FaqEntry
from core.faq.schema import MAX_ANSWER_CHARS, SCOPES, load_documents
from core.timeutil import local_text
from web.console import bp
from web.console.auth import admin_required
from web.console.faq_forms import (
    AddSimilarForm,
    EntryForm,
    IgnoreForm,
    entry_data,
    parse_ids,
    problem_text,
)

DEFAULT_DAYS = 30
DAY_CHOICES = (7, 30, 90, 365)
MAX_DAYS = 365  # the longest look-back an address may ask for: a year
MAX_SEARCH_CHARS = 100
_COUNT_KEY = "faq_unanswered_count"


# --- the nav badge ----------------------------------------------------------------


@bp.before_request
def _forget_unanswered_count() -> None:
    """`g` can outlive a request (see auth.forget_cached_user); the count must not."""
    g.pop(_COUNT_KEY, None)


def _unanswered_count() -> int:
    """Open questions over the default window (one COUNT, once per request)."""
    if _COUNT_KEY not in g:
        setattr(g, _COUNT_KEY, faq_curation.unanswered_count(db.session(), DEFAULT_DAYS))
    return int(getattr(g, _COUNT_KEY))


@bp.context_processor
def _faq_nav() -> dict[str, object]:
    """Admins see "未解答 N" in the nav, so missed questions do not pile up unseen."""
    staff = g.get("staff")
    if staff is None or not staff.is_admin:
        return {}
    return {"unanswered_count": _unanswered_count()}


# --- entries -----------------------------------------------------------------------


@bp.get("/faq")
@admin_required
def faq_list() -> ResponseReturnValue:
    category = request.args.get("category", "").strip()
    search = request.args.get("q", "").strip()[:MAX_SEARCH_CHARS]
    return render_template(
        "console/faq_list.html",
        entries=faq_curation.list_entries(db.session(), category or None, search),
        categories=faq_curation.categories(db.session()),
        category=category,
        search=search,
        scopes=SCOPES,
    )


def _get_entry(faq_id: str) -> FaqEntry:
    row = db.session.get(FaqEntry, faq_id)
    if row is None or not row.is_active:
        abort(404)
    return row


def _version(row: FaqEntry) -> str:
    """Which edit the form was loaded from, to catch two admins saving over each other."""
    return str(row.updated_at)


def _render_form(
    form: EntryForm, row: FaqEntry | None, problems: list[str] | None = None
) -> ResponseReturnValue:
    return render_template(
        "console/faq_edit.html",
        form=form,
        row=row,
        is_new=row is None,
        problems=problems or [],
        categories=faq_curation.categories(db.session()),
        max_answer=MAX_ANSWER_CHARS,
    )


@bp.route("/faq/new", methods=["GET", "POST"])
@admin_required
def faq_new() -> ResponseReturnValue:
    """A new entry; `?question=…&queries=…` come from the unanswered page's "新建条目"."""
    if request.method == "POST":
        form = EntryForm()
    else:
        ids = parse_ids(request.args.get("queries"))
        form = EntryForm(
            data={
                "question": request.args.get("question", "").strip()[:200],
                "queries": ",".join(map(str, ids)),
                "scope": "jiading",
            }
        )
    form.prepare(load_documents(), is_new=True)
    if request.method == "GET" or not form.validate_on_submit():
        return _render_form(form, None)
    return _save(form, form.id.data, None)


@bp.route("/faq/<faq_id>", methods=["GET", "POST"])
@admin_required
def faq_edit(faq_id: str) -> ResponseReturnValue:
    row = _get_entry(faq_id)
    if request.method == "POST":
        form = EntryForm()
    else:
        form = EntryForm(data=entry_data(row_to_entry(row), version=_version(row)))
    form.prepare(load_documents(), is_new=False)
    if request.method == "GET" or not form.validate_on_submit():
        return _render_form(form, row)
    if form.version.data != _version(row):
        # Show the warning once; saving again deliberately replaces the other edit.
        form.version.data = _version(row)
        who = row.updated_by or "他人"
        warning = (
            f"该条目在您编辑期间已被 {who} 于 {local_text(row.updated_at)} 修改。"
            "请在新标签页中查看最新内容；确认要用本页内容覆盖，请再次点击“保存”。"
        )
        return _render_form(form, row, [warning])
    return _save(form, faq_id, row)


def _taken(faq_id: str) -> str:
    return f"编号 {faq_id} 已被使用，请换一个编号。"


def _save(form: EntryForm, faq_id: str, row: FaqEntry | None) -> ResponseReturnValue:
    """Save through the checker; on refusal nothing is stored and the form comes back as typed."""
    ids = parse_ids(form.queries.data)
    if row is None and db.session.get(FaqEntry, faq_id) is not None:
        # Also retired entries: their id stays taken. (The service's own check misses this.)
        return _render_form(form, None, [_taken(faq_id)])
    try:
        saved = faq_curation.save_entry(
            db.session(), form.to_entry(faq_id), g.staff.username, is_new=row is None
        )
        resolved = faq_curation.resolve_queries(db.session(), ids) if ids else 0
        db.session.commit()
    except CurationError as exc:
        db.session.rollback()
        return _render_form(form, row, [problem_text(p) for p in exc.problems])
    except IntegrityError:  # the same new id saved twice at once, or a retired entry's id
        db.session.rollback()
        return _render_form(form, row, [_taken(faq_id)])
    if row is None:
        message = f"已新建条目 {saved.id}，机器人已按新内容回答。"
        if resolved:
            message += f"相关的 {resolved} 条未解答提问已处理。"
    else:
        message = f"已保存条目 {saved.id}，机器人已按新内容回答。"
    flash(message, "success")
    if ids:
        return redirect(url_for("console.faq_unanswered"))
    return redirect(url_for("console.faq_edit", faq_id=saved.id))


# --- unanswered questions ------------------------------------------------------------


def parse_days(value: str | None) -> int:
    """A look-back window from an address: one of a day to a year, else the default."""
    try:
        days = int(value or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= MAX_DAYS else DEFAULT_DAYS


@bp.get("/faq/unanswered")
@admin_required
def faq_unanswered() -> ResponseReturnValue:
    """Missed, half-matched and "没用" questions, grouped by wording, most asked first."""
    days = parse_days(request.args.get("days"))
    groups = faq_curation.unanswered_groups(db.session(), days)
    if days == DEFAULT_DAYS:
        g.setdefault(_COUNT_KEY, len(groups))
    return render_template(
        "console/faq_unanswered.html",
        groups=groups,
        days=days,
        day_choices=DAY_CHOICES,
        entries=faq_curation.list_entries(db.session()),
    )


def _back(days: str | None) -> ResponseReturnValue:
    return redirect(url_for("console.faq_unanswered", days=parse_days(days)))


@bp.post("/faq/unanswered/add")
@admin_required
def faq_add_similar() -> ResponseReturnValue:
    """Click one: the group's wording joins an entry, then its questions count as handled."""
    form = AddSimilarForm()
    if not form.validate_on_submit():
        abort(400)
    faq_id, question = form.faq_id.data or "", form.question.data or ""
    if not faq_id or not question:
        flash("请选择要加入的条目。", "error")
        return _back(form.days.data)
    try:
        faq_curation.add_similar(db.session(), faq_id, question, g.staff.username)
        faq_curation.resolve_queries(db.session(), parse_ids(form.queries.data))
        db.session.commit()
    except CurationError as exc:
        db.session.rollback()
        flash("未能加入：" + " ".join(problem_text(p) for p in exc.problems), "error")
        return _back(form.days.data)
    flash(f"已将“{question}”加为条目 {faq_id} 的其他问法，机器人即时生效。", "success")
    return _back(form.days.data)


@bp.post("/faq/unanswered/ignore")
@admin_required
def faq_ignore() -> ResponseReturnValue:
    form = IgnoreForm()
    if not form.validate_on_submit():
        abort(400)
    count = faq_curation.resolve_queries(db.session(), parse_ids(form.queries.data))
    db.session.commit()
    flash(f"已忽略 {count} 条提问。", "success")
    return _back(form.days.data)
