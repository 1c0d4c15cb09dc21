"""`/console/stations`: district admins keep the stations, their hours, exceptions and desks.

A change that would leave bookings without a slot is never saved on the first press: the
page lists them ("以下 N 个预约受影响") and a second press confirms exactly that list (a
fingerprint travels with the form; if the list changed meanwhile, it is shown again).
The bookings stay active after saving, and the admin is taken to them to move or cancel.
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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import csvio
from core.booking import station_admin, station_csv
from core.booking.models import Station, StationException
from core.booking.station_admin import Problem, StationFormError
from core.config import Settings
from core.csvio import CsvImportError, Limits, RowError
from core.db import db
from core.timeutil import LOCAL_TZ, local_today, utcnow
from web.console import bp
from web.console.auth import admin_required
from web.console.routes import short_openid
from web.console.station_forms import (
    HOURS_HINT,
    ConfirmForm,
    ExceptionForm,
    ImportForm,
    StationForm,
    place_error,
    station_data,
)


def _get_station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        abort(404)
    return station


def _affected_context(affected: list[Problem]) -> dict[str, object]:
    return {
        "affected": affected,
        "short_openid": short_openid,
        "local": lambda dt: dt.astimezone(LOCAL_TZ),
    }


def _needs_confirming(affected: list[Problem], confirmed: str | None) -> bool:
    """True when the admin has not yet confirmed exactly this set of affected bookings."""
    return bool(affected) and confirmed != station_admin.fingerprint(affected)


def _after_change(station: Station, message: str, back: str) -> ResponseReturnValue:
    """Saved: if any bookings no longer fit, go straight to them."""
    pending = station_admin.problems(db.session(), utcnow(), [station.id])
    if pending:
        flash(
            f"{message}有 {len(pending)} 个预约不在新的开放安排内，仍然有效，请逐一改约或取消。",
            "warning",
        )
        return redirect(url_for("console.bookings_affected", station=station.id))
    flash(message, "success")
    return redirect(back)


# --- list and export -----------------------------------------------------------------------


@bp.get("/stations")
@admin_required
def stations() -> ResponseReturnValue:
    rows = list(db.session.scalars(select(Station).order_by(Station.town, Station.code)))
    return render_template(
        "console/stations.html",
        stations=rows,
        pending=station_admin.problem_counts(db.session(), utcnow()),
        hours_text=station_csv.format_hours,
    )


@bp.get("/stations/export.csv")
@admin_required
def stations_export() -> ResponseReturnValue:
    body = "\ufeff" + station_csv.export_csv(db.session())
    stamp = local_today(utcnow()).strftime("%Y%m%d")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="stations-{stamp}.csv"'},
    )


# --- create and edit ------------------------------------------------------------------------


def _render_edit(
    form: StationForm, station: Station | None, affected: list[Problem] | None = None
) -> ResponseReturnValue:
    return render_template(
        "console/station_edit.html",
        form=form,
        station=station,
        hours_hint=HOURS_HINT,
        **_affected_context(affected or []),
    )


@bp.route("/stations/new", methods=["GET", "POST"])
@admin_required
def station_new() -> ResponseReturnValue:
    form = StationForm() if request.method == "POST" else StationForm(data=station_data(None))
    if request.method == "GET" or not form.validate_on_submit():
        return _render_edit(form, None)
    return _save(form, None)


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
@admin_required
def station_edit(station_id: int) -> ResponseReturnValue:
    station = _get_station(station_id)
    if request.method == "GET":
        return _render_edit(StationForm(data=station_data(station)), station)
    form = StationForm()
    if not form.validate_on_submit():
        return _render_edit(form, station)
    return _save(form, station)


def _save(form: StationForm, station: Station | None) -> ResponseReturnValue:
    """Check the row as an import would, preview what it affects, confirm, then save."""
    try:
        parsed = station_csv.parse_row(form.to_row())
    except RowError as exc:
        place_error(form, exc)
        return _render_edit(form, station)
    now = utcnow()

    def change() -> Station:
        return station_admin.save_station(
            db.session(), station, parsed, is_active=bool(form.is_active.data), now=now
        )

    try:
        if station is not None:
            affected = station_admin.preview(db.session(), change, now, [station.id])
            if _needs_confirming(affected, form.confirm.data):
                form.confirm.data = station_admin.fingerprint(affected)
                return _render_edit(form, station, affected)
        saved = change()
        db.session.commit()
    except StationFormError as exc:
        db.session.rollback()
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return _render_edit(form, station)
    except IntegrityError:  # the same code saved twice at once
        db.session.rollback()
        form.code.errors = [f"编号 {parsed.fields['code']} 已被其他服务站使用。"]
        return _render_edit(form, station)
    verb = "新建" if station is None else "保存"
    back = url_for("console.station_edit", station_id=saved.id)
    return _after_change(saved, f"已{verb}服务站“{saved.name}”。", back)


# --- per-date exceptions -----------------------------------------------------------------------


def _render_exceptions(
    station: Station, form: ExceptionForm, affected: list[Problem] | None = None
) -> ResponseReturnValue:
    today = local_today(utcnow())
    return render_template(
        "console/station_exceptions.html",
        station=station,
        form=form,
        upcoming=[e for e in station.exceptions if e.day >= today],
        past=[e for e in station.exceptions if e.day < today][-10:],
        remove_form=ConfirmForm(),
        **_affected_context(affected or []),
    )


@bp.route("/stations/<int:station_id>/exceptions", methods=["GET", "POST"])
@admin_required
def station_exceptions(station_id: int) -> ResponseReturnValue:
    station = _get_station(station_id)
    form = ExceptionForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _render_exceptions(station, form)
    closed = form.kind.data != "special"
    try:
        periods = [] if closed else station_admin.parse_periods(form.periods.data or "")
    except ValueError as exc:
        form.periods.errors = [str(exc)]
        return _render_exceptions(station, form)
    day, now = form.day_value(), utcnow()

    def change() -> StationException:
        return station_admin.set_exception(
            db.session(),
            station,
            day,
            closed=closed,
            periods=periods,
            note=form.note.data or "",
            now=now,
        )

    try:
        affected = station_admin.preview(db.session(), change, now, [station.id])
        if _needs_confirming(affected, form.confirm.data):
            form.confirm.data = station_admin.fingerprint(affected)
            return _render_exceptions(station, form, affected)
        change()
        db.session.commit()
    except ValueError as exc:
        db.session.rollback()
        form.day.errors = [str(exc)]
        return _render_exceptions(station, form)
    what = "全天不开放" if closed else "按特殊时段开放"
    back = url_for("console.station_exceptions", station_id=station.id)
    return _after_change(station, f"已设置 {day:%Y-%m-%d} {what}。", back)


@bp.post("/stations/<int:station_id>/exceptions/<int:exception_id>/delete")
@admin_required
def station_exception_delete(station_id: int, exception_id: int) -> ResponseReturnValue:
    """Removing special hours can also leave bookings outside the weekly hours: confirm."""
    station = _get_station(station_id)
    exception = db.session.get(StationException, exception_id)
    if exception is None or exception.station_id != station.id:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    day, now = exception.day, utcnow()

    def remove() -> None:
        station_admin.remove_exception(db.session(), station, exception)

    affected = station_admin.preview(db.session(), remove, now, [station.id])
    if _needs_confirming(affected, form.confirm.data):
        return render_template(
            "console/station_confirm.html",
            station=station,
            title=f"删除 {day:%Y-%m-%d} 的例外",
            action=request.path,
            form=form,
            confirm=station_admin.fingerprint(affected),
            **_affected_context(affected),
        )
    remove()
    db.session.commit()
    back = url_for("console.station_exceptions", station_id=station.id)
    return _after_change(station, f"已删除 {day:%Y-%m-%d} 的例外。", back)


# --- CSV import -------------------------------------------------------------------------------


def _render_import(
    form: ImportForm, problems: list[str] | None = None, affected: list[Problem] | None = None
) -> ResponseReturnValue:
    return render_template(
        "console/stations_import.html",
        form=form,
        problems=problems or [],
        columns=station_csv.COLUMNS,
        limits=station_csv.limits(current_app.config["SETTINGS"]),
        size_text=csvio.size_text,
        **_affected_context(affected or []),
    )


@bp.route("/stations/import", methods=["GET", "POST"])
@admin_required
def stations_import() -> ResponseReturnValue:
    """All rows or none; every bad value named; bookings a new file would strand confirmed first.

    The confirming press sends the text back in `csv_text`; it is checked exactly as an
    upload is (byte cap, row cap, every row), because anyone can post that field directly.
    """
    settings: Settings = current_app.config["SETTINGS"]
    limits = station_csv.limits(settings)
    form = ImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _render_import(form)
    try:
        text = _submitted_text(form, limits)
        affected = station_admin.preview_import(db.session(), text, utcnow(), limits)
    except CsvImportError as exc:
        db.session.rollback()
        form.csv_text.data = ""
        return _render_import(form, exc.problems)
    if _needs_confirming(affected, form.confirm.data):
        form.csv_text.data = text
        form.confirm.data = station_admin.fingerprint(affected)
        return _render_import(form, affected=affected)
    result = station_admin.import_stations(db.session(), text, utcnow(), limits)
    db.session.commit()
    message = f"已导入：新增 {result.added} 个、更新 {result.updated} 个服务站。"
    if result.problems:
        flash(
            f"{message}有 {len(result.problems)} 个预约不在新的开放安排内，请逐一处理。", "warning"
        )
        return redirect(url_for("console.bookings_affected"))
    flash(message, "success")
    return redirect(url_for("console.stations"))


def _submitted_text(form: ImportForm, limits: Limits) -> str:
    """The confirming press's text, or the uploaded file decoded (at most cap + 1 bytes read)."""
    text = form.csv_text.data
    if text:
        if not isinstance(text, str):  # a file part named csv_text
            raise CsvImportError(["请重新上传 CSV 文件。"])
        return text
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        raise CsvImportError(["请选择要导入的 CSV 文件。"])
    return csvio.decode(upload.read(limits.max_bytes + 1), limits)
