"""`/console/jobs`: district admins publish, edit, close and import job postings.

Views parse the form and call `core.jobs.admin` / `job_csv`; a refused form comes
back with every problem under its field and everything typed kept.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from core import csvio
from core.config import Settings
from core.csvio import CsvImportError
from core.db import db
from core.jobs import admin as job_admin
from core.jobs import csv_io as job_csv
from core.jobs.admin import PostingError
from core.jobs.models import CLOSED, OPEN, POSTING_STATUS_LABELS, JobPosting
from core.jobs.texts import pay_text
from core.timeutil import local_today, utcnow
from web.console import bp
from web.console.auth import admin_required
from web.console.forms import ActionForm
from web.console.job_forms import JobImportForm, PostingForm, put_errors

MAX_UPLOAD_BYTES = 1024 * 1024
STATUS_TABS = (("open", "招聘中"), ("closed", "已结束"), ("all", "全部"))


def _get_posting(posting_id: int) -> JobPosting:
    posting = db.session.get(JobPosting, posting_id)
    if posting is None:
        abort(404)
    return posting


@bp.get("/jobs")
@admin_required
def jobs() -> ResponseReturnValue:
    status = request.args.get("status", OPEN)
    if status not in (OPEN, CLOSED, "all"):
        status = OPEN
    query = (request.args.get("q") or "").strip()[:50]
    return render_template(
        "console/jobs.html",
        postings=job_admin.list_postings(db.session(), status, query),
        counts=job_admin.counts(db.session()),
        status=status,
        query=query,
        tabs=STATUS_TABS,
        labels=POSTING_STATUS_LABELS,
        pay_text=pay_text,
        action_form=ActionForm(),
    )


def _render_edit(form: PostingForm, posting: JobPosting | None) -> ResponseReturnValue:
    return render_template(
        "console/job_edit.html", form=form, posting=posting, action_form=ActionForm()
    )


@bp.route("/jobs/new", methods=["GET", "POST"])
@admin_required
def job_new() -> ResponseReturnValue:
    today = local_today(utcnow())
    if request.method == "GET":
        return _render_edit(PostingForm(data=job_admin.posting_form_data(None, today)), None)
    return _save(PostingForm(), None)


@bp.route("/jobs/<int:posting_id>", methods=["GET", "POST"])
@admin_required
def job_edit(posting_id: int) -> ResponseReturnValue:
    posting = _get_posting(posting_id)
    if request.method == "GET":
        today = local_today(utcnow())
        return _render_edit(PostingForm(data=job_admin.posting_form_data(posting, today)), posting)
    return _save(PostingForm(), posting)


def _save(form: PostingForm, posting: JobPosting | None) -> ResponseReturnValue:
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        if posting is None:
            saved = job_admin.create_posting(db.session(), form.to_row(), now)
        else:
            saved = job_admin.update_posting(db.session(), posting, form.to_row(), now)
        db.session.commit()
    except PostingError as exc:
        db.session.rollback()
        put_errors(form, exc.errors)
        return _render_edit(form, posting)
    except IntegrityError:  # the same reference saved twice at once
        db.session.rollback()
        put_errors(form, {"ref": "该编号已被其他岗位使用。"})
        return _render_edit(form, posting)
    flash(f"已{'发布' if posting is None else '保存'}岗位“{saved.title}”。", "success")
    return redirect(url_for("console.jobs", status=saved.status))


@bp.post("/jobs/<int:posting_id>/close")
@admin_required
def job_close(posting_id: int) -> ResponseReturnValue:
    posting = _get_posting(posting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if job_admin.close_posting(db.session(), posting, utcnow()):
        flash(f"岗位“{posting.title}”已下架，用户不再看到它。", "success")
    else:
        flash("该岗位已经是结束状态。", "warning")
    db.session.commit()
    return redirect(url_for("console.jobs"))


@bp.post("/jobs/<int:posting_id>/reopen")
@admin_required
def job_reopen(posting_id: int) -> ResponseReturnValue:
    posting = _get_posting(posting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        job_admin.reopen_posting(db.session(), posting, utcnow())
        db.session.commit()
    except PostingError as exc:
        db.session.rollback()
        flash(next(iter(exc.errors.values())), "error")
        return redirect(url_for("console.job_edit", posting_id=posting.id))
    flash(f"岗位“{posting.title}”已重新发布。", "success")
    return redirect(url_for("console.jobs"))


@bp.route("/jobs/import", methods=["GET", "POST"])
@admin_required
def jobs_import() -> ResponseReturnValue:
    """All rows or none; every bad value listed with its line, column and the value."""
    form = JobImportForm()
    problems: list[str] = []
    settings: Settings = current_app.config["SETTINGS"]
    limits = job_csv.limits(settings)
    if request.method == "POST" and form.validate_on_submit():
        try:
            text = csvio.decode(_uploaded(form, limits), limits)
            result = job_csv.import_csv(db.session(), text, utcnow(), limits)
            db.session.commit()
        except CsvImportError as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            flash(f"已导入：新增 {result.added} 个、更新 {result.updated} 个岗位。", "success")
            return redirect(url_for("console.jobs"))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "console/jobs_import.html",
        form=form,
        problems=problems,
        columns=job_csv.COLUMNS,
        limits=limits,
        size_text=csvio.size_text,
    )


def _uploaded(form: JobImportForm, limits: csvio.Limits) -> bytes:
    """At most one byte over the cap is read; `csvio.decode` refuses that byte."""
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        raise CsvImportError(["请选择要导入的 CSV 文件。"])
    data: bytes = upload.read(limits.max_bytes + 1)
    return data


@bp.get("/jobs/export.csv")
@admin_required
def jobs_export() -> ResponseReturnValue:
    body = "\ufeff" + job_csv.export_csv(db.session())
    stamp = local_today(utcnow()).strftime("%Y%m%d")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="jobs-{stamp}.csv"'},
    )
