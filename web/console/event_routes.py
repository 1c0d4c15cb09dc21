"""`/console/events`: district admins run job fairs, recruitment drives, training and
briefings: create, edit, cancel (everyone signed up is told) and see who signed up.

Views parse the form and call `core.jobs.event_admin`; a refused form comes back
with every problem under its field and everything typed kept.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.booking.models import Station
from core.db import db
from core.jobs import event_admin
from core.jobs.event_admin import CANCELLED_LIST, PAST, UPCOMING, EventError
from core.jobs.events import when_text
from core.jobs.models import CANCELLED, EVENT_KINDS, EVENT_STATUS_LABELS, Event
from core.timeutil import LOCAL_TZ, utcnow
from web.console import bp
from web.console.audit_routes import audit_and_commit
from web.console.auth import admin_required
from web.console.forms import _Choice
from web.console.job_forms import CancelEventForm, EventForm, put_errors
from web.console.routes import short_openid

TABS = ((UPCOMING, "即将举行"), (PAST, "已结束"), (CANCELLED_LIST, "已取消"))


def _get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def _view_helpers() -> dict[str, object]:
    return {
        "kinds": EVENT_KINDS,
        "status_labels": EVENT_STATUS_LABELS,
        "when": when_text,
        "place": event_admin.place_text,
        "local": lambda dt: dt.astimezone(LOCAL_TZ),
        "short_openid": short_openid,
    }


@bp.get("/events")
@admin_required
def events() -> ResponseReturnValue:
    which = request.args.get("show", UPCOMING)
    if which not in (UPCOMING, PAST, CANCELLED_LIST):
        which = UPCOMING
    return render_template(
        "console/events.html",
        events=event_admin.list_events(db.session(), which, utcnow()),
        which=which,
        tabs=TABS,
        **_view_helpers(),
    )


def _with_stations(form: EventForm) -> EventForm:
    stations = db.session.scalars(select(Station).order_by(Station.town, Station.code))
    form.station_id.choices = [_Choice("", "（不在服务站，填写地址）")] + [
        _Choice(str(s.id), f"{s.town} · {s.name}") for s in stations
    ]
    return form


def _render_edit(form: EventForm, event: Event | None) -> ResponseReturnValue:
    return render_template(
        "console/event_edit.html", form=_with_stations(form), event=event, **_view_helpers()
    )


@bp.route("/events/new", methods=["GET", "POST"])
@admin_required
def event_new() -> ResponseReturnValue:
    if request.method == "GET":
        data = event_admin.form_data(None, utcnow())
        return _render_edit(EventForm(data=data), None)
    return _save(EventForm(), None)


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@admin_required
def event_edit(event_id: int) -> ResponseReturnValue:
    event = _get_event(event_id)
    if request.method == "GET":
        data = event_admin.form_data(event, utcnow())
        return _render_edit(EventForm(data=data), event)
    return _save(EventForm(), event)


def _save(form: EventForm, event: Event | None) -> ResponseReturnValue:
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        if event is None:
            saved = event_admin.create_event(db.session(), form.to_row(), now)
        else:
            saved = event_admin.update_event(db.session(), event, form.to_row(), now)
        db.session.commit()
    except EventError as exc:
        db.session.rollback()
        put_errors(form, exc.errors)
        return _render_edit(form, event)
    flash(f"已{'创建' if event is None else '保存'}活动“{saved.title}”。", "success")
    return redirect(url_for("console.event_signups", event_id=saved.id))


@bp.get("/events/<int:event_id>/signups")
@admin_required
def event_signups(event_id: int) -> ResponseReturnValue:
    event = _get_event(event_id)
    audit_and_commit("signups.view", detail=f"活动 #{event.id} {event.title}")
    return render_template(
        "console/event_signups.html",
        event=event,
        signups=event_admin.active_signups(db.session(), event),
        cancel_form=CancelEventForm(),
        **_view_helpers(),
    )


@bp.post("/events/<int:event_id>/cancel")
@admin_required
def event_cancel(event_id: int) -> ResponseReturnValue:
    event = _get_event(event_id)
    form = CancelEventForm()
    if not form.validate_on_submit():
        abort(400)
    settings = current_app.config["SETTINGS"]
    try:
        result = event_admin.cancel_event(
            db.session(), settings, event, form.reason.data or "", utcnow()
        )
        db.session.commit()
    except EventError as exc:
        db.session.rollback()
        put_errors(form, exc.errors)
        if event.status == CANCELLED:
            flash(exc.errors["reason"], "warning")
            return redirect(url_for("console.event_signups", event_id=event.id))
        return render_template(
            "console/event_signups.html",
            event=event,
            signups=event_admin.active_signups(db.session(), event),
            cancel_form=form,
            **_view_helpers(),
        )
    message = f"活动“{event.title}”已取消。已通知 {result.told} 人"
    if result.unreachable:
        flash(
            f"{message}；{result.unreachable} 人无法通过微信通知"
            "（超出48小时或已取消关注），请电话联系。",
            "warning",
        )
    else:
        flash(f"{message}。", "success")
    return redirect(url_for("console.event_signups", event_id=event.id))
