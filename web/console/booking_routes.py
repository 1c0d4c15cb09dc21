"""`/console/bookings`: a station's bookings by day and by week, and what staff do with them.

Station staff see only their own station (other stations' bookings answer 404, a request
for another station's list 403); district admins pick any station. Actions are POSTs with
a CSRF token; `station_admin` does the work and flushes, the view commits, or rolls back
and says why. A cancellation tells the person, and the page says whether that worked.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.booking import availability, station_admin, station_services
from core.booking import booking as booking_service
from core.booking.booking import BookingError
from core.booking.models import STATUS_LABELS, Booking, Station
from core.config import Settings
from core.db import db
from core.timeutil import LOCAL_TZ, WEEKDAYS, local_text, local_today, utcnow
from web.console import bp
from web.console.auth import login_required, safe_next
from web.console.forms import ActionForm
from web.console.routes import short_openid
from web.console.station_forms import BulkCancelForm, CancelForm, MoveForm

CSV_COLUMNS = ("日期", "开始", "结束", "服务站", "用户", "事项", "预约码", "状态", "取消原因")
NO_STATION = "您的账号还没有关联服务站，暂时无法查看预约。请联系区级管理员为账号关联服务站。"
NO_STATIONS = "还没有任何服务站。请先在“服务站”页面新建，或导入 CSV 文件。"


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _all_stations() -> list[Station]:
    return list(db.session.scalars(select(Station).order_by(Station.town, Station.code)))


def _pick_station(default_first: bool = True) -> tuple[Station | None, list[Station]]:
    """The station whose bookings to show, and the choices (admins only)."""
    requested = request.args.get("station", type=int)
    if g.staff.is_admin:
        choices = _all_stations()
        if requested is None:
            return (choices[0] if choices and default_first else None), choices
        station = db.session.get(Station, requested)
        if station is None:
            abort(404)
        return station, choices
    if requested is not None and requested != g.staff.station_id:
        abort(403)
    if g.staff.station_id is None:
        return None, []
    return db.session.get(Station, g.staff.station_id), []


def _day(value: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return fallback


def _no_station() -> ResponseReturnValue:
    if g.staff.is_admin:
        return render_template("console/error.html", title="还没有服务站", message=NO_STATIONS)
    return render_template("console/error.html", title="未关联服务站", message=NO_STATION)


def _view_args(station: Station, **params: object) -> dict[str, object]:
    """Admins carry the chosen station from page to page; staff have only their own."""
    return {"station": station.id, **params} if g.staff.is_admin else dict(params)


# --- lists -----------------------------------------------------------------------------


@bp.get("/bookings")
@login_required
def bookings() -> ResponseReturnValue:
    station, choices = _pick_station()
    if station is None:
        return _no_station()
    current = utcnow()
    today = local_today(current)
    day = _day(request.args.get("day"), today)
    items = booking_service.station_bookings(
        db.session(), station.id, *station_admin.local_range(day, 1)
    )
    flags = {p.booking.id: p for p in station_admin.problems(db.session(), current, [station.id])}
    return render_template(
        "console/bookings.html",
        station=station,
        choices=choices,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        today=today,
        now=current,
        weekday=WEEKDAYS[day.weekday()],
        plan=availability.day_plan(station, day),
        items=items,
        flags=flags,
        args=lambda **p: _view_args(station, **p),
        next_url=request.full_path.rstrip("?"),
        **_helpers(),
    )


@bp.get("/bookings/week")
@login_required
def bookings_week() -> ResponseReturnValue:
    station, choices = _pick_station()
    if station is None:
        return _no_station()
    today = local_today(utcnow())
    first = _day(request.args.get("week"), today)
    monday = first - timedelta(days=first.weekday())
    return render_template(
        "console/bookings_week.html",
        station=station,
        choices=choices,
        monday=monday,
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        today=today,
        grid=station_admin.week_grid(db.session(), station, monday),
        weekdays=WEEKDAYS,
        args=lambda **p: _view_args(station, **p),
    )


@bp.get("/bookings.csv")
@login_required
def bookings_csv() -> ResponseReturnValue:
    """The day (?day=) or week (?week=) shown, as a CSV Excel opens (UTF-8 with BOM)."""
    station, _ = _pick_station()
    if station is None:
        return _no_station()
    today = local_today(utcnow())
    if request.args.get("week"):
        first = _day(request.args.get("week"), today)
        first -= timedelta(days=first.weekday())
        days, label = 7, f"week-{first:%Y%m%d}"
    else:
        first, days = _day(request.args.get("day"), today), 1
        label = f"{first:%Y%m%d}"
    items = booking_service.station_bookings(
        db.session(), station.id, *station_admin.local_range(first, days)
    )
    body = "\ufeff" + _csv_text(station, items)
    filename = f"bookings-{station.id}-{label}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: str) -> str:
    """Excel runs a cell starting with = + - @ as a formula; people type reasons."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_text(station: Station, items: list[Booking]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        start = item.slot.starts_at.astimezone(LOCAL_TZ)
        end = item.slot.ends_at.astimezone(LOCAL_TZ)
        row = [
            f"{start:%Y-%m-%d}",
            f"{start:%H:%M}",
            f"{end:%H:%M}",
            station.name,
            short_openid(item.person.openid),
            station_services.name_of(item.service),
            item.code,
            STATUS_LABELS.get(item.status, item.status),
            item.cancel_reason or "",
        ]
        writer.writerow([_cell(str(v)) for v in row])
    return buffer.getvalue()


def _helpers() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "short_openid": short_openid,
        "service_name": station_services.name_of,
        "local": lambda dt: dt.astimezone(LOCAL_TZ),
        "action_form": ActionForm(),
        "cancel_form": CancelForm(),
    }


# --- bookings a change left without a slot -------------------------------------------------


@bp.get("/bookings/affected")
@login_required
def bookings_affected() -> ResponseReturnValue:
    """Problems to resolve: admins see every station's unless they pick one."""
    station, choices = _pick_station(default_first=False)
    if station is None and not g.staff.is_admin:
        return _no_station()
    current = utcnow()
    found = station_admin.problems(db.session(), current, None if station is None else [station.id])
    moves = {
        p.booking.id: booking_service.alternatives(
            db.session(), p.booking.station, p.booking.slot.starts_at, current, limit=6
        )
        for p in found
    }
    return render_template(
        "console/bookings_affected.html",
        station=station,
        allow_all=True,
        choices=choices,
        found=found,
        moves=moves,
        move_form=MoveForm(),
        bulk_form=BulkCancelForm(),
        next_url=request.full_path.rstrip("?"),
        **_helpers(),
    )


# --- actions on one booking ----------------------------------------------------------------


def _get_booking(booking_id: int) -> Booking:
    """Another station's booking does not exist, as far as station staff can tell."""
    item = db.session.get(Booking, booking_id)
    if item is None or (not g.staff.is_admin and item.station_id != g.staff.station_id):
        abort(404)
    return item


def _visible_bookings(ids: list[int]) -> list[Booking] | None:
    """All these bookings, or None if any does not exist or is another station's."""
    items = [db.session.get(Booking, booking_id) for booking_id in dict.fromkeys(ids)]
    visible = [
        item
        for item in items
        if item is not None and (g.staff.is_admin or item.station_id == g.staff.station_id)
    ]
    return visible if len(visible) == len(items) else None


def _back(item: Booking) -> ResponseReturnValue:
    target = safe_next(request.form.get("next"))
    if target:
        return redirect(target)
    day = item.slot.starts_at.astimezone(LOCAL_TZ).date().isoformat()
    station = item.station_id if g.staff.is_admin else None
    return redirect(url_for("console.bookings", station=station, day=day))


def _act(booking_id: int, action: str) -> ResponseReturnValue:
    item = _get_booking(booking_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "check_in":
            station_admin.check_in(db.session(), item, utcnow())
        else:
            station_admin.mark_no_show(db.session(), item, utcnow())
    except BookingError as exc:
        db.session.rollback()
        flash(f"预约 {item.code}：{exc.message}", "error")
        return _back(item)
    db.session.commit()
    flash(f"预约 {item.code} 已{'签到' if action == 'check_in' else '标记为未到'}。", "success")
    return _back(item)


@bp.post("/bookings/<int:booking_id>/check-in")
@login_required
def booking_check_in(booking_id: int) -> ResponseReturnValue:
    return _act(booking_id, "check_in")


@bp.post("/bookings/<int:booking_id>/no-show")
@login_required
def booking_no_show(booking_id: int) -> ResponseReturnValue:
    return _act(booking_id, "no_show")


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def booking_cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel with a reason the person is sent; flash whether the notice reached them."""
    item = _get_booking(booking_id)
    form = CancelForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(f"预约 {item.code} 未取消：{'；'.join(form.reason.errors)}", "error")
        return _back(item)
    try:
        result = station_admin.cancel_by_staff(
            db.session(), _settings(), [item], form.reason.data or "", utcnow()
        )
    except BookingError as exc:
        db.session.rollback()
        flash(f"预约 {item.code}：{exc.message}", "error")
        return _back(item)
    if result.missed:
        flash(f"预约 {item.code}：{result.missed[0][1]}", "error")
        return _back(item)
    notice = station_admin.notice_text(result.cancelled[0][1])
    flash(f"已取消预约 {item.code}。{notice}", "success" if notice == "已通知" else "error")
    return _back(item)


@bp.post("/bookings/<int:booking_id>/move")
@login_required
def booking_move(booking_id: int) -> ResponseReturnValue:
    item = _get_booking(booking_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        starts_at = datetime.fromisoformat(form.starts_at.data or "")
        if starts_at.tzinfo is None:
            raise ValueError("naive")
    except ValueError:
        flash(f"预约 {item.code}：请选择要改到的时段。", "error")
        return _back(item)
    try:
        new, outcome = station_admin.move_by_staff(
            db.session(), _settings(), item, starts_at, utcnow()
        )
    except BookingError as exc:
        db.session.rollback()
        flash(f"预约 {item.code} 未改约：{exc.message}", "error")
        return _back(item)
    db.session.commit()
    flash(
        f"已将预约 {item.code} 改到 {local_text(new.slot.starts_at)}，新预约码 {new.code}。"
        f"{station_admin.notice_text(outcome)}",
        "success",
    )
    return _back(item)


@bp.post("/bookings/affected/cancel")
@login_required
def bookings_cancel_many() -> ResponseReturnValue:
    """Cancel the ticked bookings with one reason; each person gets their own notice."""
    form = BulkCancelForm()
    back = redirect(safe_next(form.next.data) or url_for("console.bookings_affected"))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash("未取消：" + "；".join(form.reason.errors), "error")
        return back
    ids = [int(v) for v in form.bookings.data or [] if str(v).isdigit()]
    if not ids:
        flash("请勾选要取消的预约。", "error")
        return back
    items = _visible_bookings(ids)
    if items is None:  # refused whole, before anything is cancelled or anyone is told
        flash(
            "未取消任何预约：所选预约中有不存在或不属于您服务站的。请刷新页面后重新勾选。", "error"
        )
        return back
    try:
        result = station_admin.cancel_by_staff(
            db.session(), _settings(), items, form.reason.data or "", utcnow()
        )
    except BookingError as exc:
        db.session.rollback()
        flash(f"未取消：{exc.message}", "error")
        return back
    done = []
    for item, outcome in result.cancelled:
        notice = station_admin.notice_text(outcome)
        done.append(item.code if notice == "已通知" else f"{item.code}（{notice}）")
    missed = [f"{item.code}（{why}）" for item, why in result.missed]
    if done:
        told = all("（" not in code for code in done)
        tail = "均已通知预约人。" if told else "括号内为未能通知的原因。"
        flash(
            f"已取消 {len(done)} 个预约：{'、'.join(done)}。{tail}", "success" if told else "error"
        )
    if missed:
        flash("以下预约未取消：" + "、".join(missed), "error")
    return back
