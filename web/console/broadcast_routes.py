"""`/console/broadcasts`: district admins compose a notice, see who it reaches and how, send it
now or at a time, watch it go out and read the report.

Thin on purpose: the segment, the plan, the rules and the ledger are in core (core.broadcast); the
dispatcher (scheduler, or `vetbot serve` in-process) does the sending.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.broadcast import admin as broadcast_admin
from core.broadcast import ledger as broadcast_ledger
from core.broadcast import plan as broadcast_plan
from core.broadcast import segments as broadcast_segments
from core.broadcast.admin import DraftError
from core.broadcast.models import (
    BROADCAST_KINDS,
    BROADCAST_STATUS_LABELS,
    CHANNEL_LABELS,
    DIGEST,
    SCHEDULED,
    SENDING,
    Broadcast,
)
from core.broadcast.segments import Segment
from core.db import db
from core.jobs import digest
from core.jobs.models import JOBS, Event
from core.jobs.models import SCHEDULED as EVENT_SCHEDULED
from core.timeutil import local_text, utcnow
from web.console import bp
from web.console.auth import admin_required
from web.console.broadcast_forms import BroadcastForm
from web.console.forms import ActionForm, _Choice


def _event_choices() -> list[object]:
    events = db.session.scalars(
        select(Event)
        .where(Event.status == EVENT_SCHEDULED, Event.ends_at > utcnow())
        .order_by(Event.starts_at)
    )
    return [
        _Choice(str(e.id), f"{local_text(e.starts_at)} {e.title}（已报名 {e.signed_up}）")
        for e in events
    ]


def _get(broadcast_id: int) -> Broadcast:
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        abort(404)
    return broadcast


def _segment_text(broadcast: Broadcast) -> str:
    return broadcast_segments.describe(
        db.session(), Segment(broadcast.segment, broadcast.segment_value)
    )


@bp.get("/broadcasts")
@admin_required
def broadcasts() -> ResponseReturnValue:
    rows = broadcast_admin.history(db.session())
    return render_template(
        "console/broadcasts.html",
        broadcasts=rows,
        segment_text=_segment_text,
        reports={b.id: broadcast_ledger.report(db.session(), b.id) for b in rows},
        status_labels=BROADCAST_STATUS_LABELS,
        kinds=BROADCAST_KINDS,
        local_text=local_text,
    )


def _compose(form: BroadcastForm, plan: broadcast_plan.Plan | None = None, **extra: object):
    return render_template(
        "console/broadcast_new.html",
        form=form,
        plan=plan,
        channel_labels=CHANNEL_LABELS,
        **extra,
    )


def _prefill_postings(form: BroadcastForm) -> ResponseReturnValue:
    """Start a digest broadcast from the week's new postings; staff edit it before sending."""
    text = digest.recent_postings_text(db.session(), utcnow())
    if not text:
        flash("近7天没有新发布的岗位。", "warning")
        return _compose(form)
    form.kind.data, form.title.data, form.body.data = DIGEST, "本周新岗位", text
    form.segment.data, form.category.data = "category", JOBS
    return _compose(form)


@bp.route("/broadcasts/new", methods=["GET", "POST"])
@admin_required
def broadcast_new() -> ResponseReturnValue:
    form = BroadcastForm()
    form.event_id.choices = _event_choices()
    if request.method == "GET" and request.args.get("fill") == "postings":
        return _prefill_postings(form)
    if not form.validate_on_submit():
        return _compose(form)
    now = utcnow()
    try:
        send_at = form.send_time()
    except ValueError as exc:
        form.send_at.errors = [str(exc)]
        return _compose(form)
    try:
        draft = broadcast_admin.check(
            db.session(),
            title=form.title.data or "",
            body=form.body.data or "",
            kind=form.kind.data or "",
            segment_kind=form.segment.data or "",
            segment_value=form.segment_value(),
            use_mass=bool(form.use_mass.data),
            send_at=send_at,
            now=now,
        )
    except DraftError as exc:
        field = getattr(form, exc.field)
        field.errors = [exc.message]
        return _compose(form)
    if form.confirmed.data != "1":
        plan = broadcast_plan.preview(
            db.session(),
            current_app.config["SETTINGS"],
            draft.segment,
            use_mass=draft.use_mass,
            now=now,
        )
        form.confirmed.data = "1"
        return _compose(
            form,
            plan,
            segment_text=broadcast_segments.describe(db.session(), draft.segment),
            send_at_text=local_text(draft.send_at) if draft.send_at else "立即",
        )
    broadcast = broadcast_admin.schedule(db.session(), draft, g.staff.id, now)
    db.session.commit()
    flash("已提交发送。" if draft.send_at is None else "已安排定时发送。", "success")
    return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast.id))


@bp.get("/broadcasts/<int:broadcast_id>")
@admin_required
def broadcast_detail(broadcast_id: int) -> ResponseReturnValue:
    broadcast = _get(broadcast_id)
    return render_template(
        "console/broadcast_detail.html",
        b=broadcast,
        report=broadcast_ledger.report(db.session(), broadcast.id),
        segment_text=_segment_text(broadcast),
        status_labels=BROADCAST_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        kinds=BROADCAST_KINDS,
        local_text=local_text,
        cancel_form=ActionForm(),
        can_cancel=broadcast.status in (SCHEDULED, SENDING),
    )


@bp.get("/broadcasts/<int:broadcast_id>/progress.json")
@admin_required
def broadcast_progress(broadcast_id: int) -> ResponseReturnValue:
    broadcast = _get(broadcast_id)
    data = broadcast_ledger.report(db.session(), broadcast.id).as_json()
    data.update(
        status=broadcast.status,
        status_label=BROADCAST_STATUS_LABELS.get(broadcast.status, broadcast.status),
        ledger_ready=broadcast.ledger_ready,
        note=broadcast.note,
    )
    if not broadcast.ledger_ready:
        data["percent"] = 0  # the recipients are still being counted
    return jsonify(data)


@bp.post("/broadcasts/<int:broadcast_id>/cancel")
@admin_required
def broadcast_cancel(broadcast_id: int) -> ResponseReturnValue:
    _get(broadcast_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if broadcast_admin.cancel(db.session(), broadcast_id, utcnow()):
        db.session.commit()
        flash("已取消，尚未发出的不再发送。", "success")
    else:
        flash("该广播已发送完毕或已取消，无法取消。", "error")
    return redirect(url_for("console.broadcast_detail", broadcast_id=broadcast_id))
