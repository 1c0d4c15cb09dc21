"""Console views: parse the request, call a service, commit, render.

Services only flush; each view owns its transaction, so a refused delivery or a
rejected form leaves nothing half-done in the database.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from core.chatlog import messages
from core.config import Settings
from core.db import db
from core.people import handover
from core.people.models import (
    ANSWERED,
    CLOSED,
    OPEN,
    SERVICE_WINDOW,
    STATUS_LABELS,
    HandoverRequest,
    Person,
)
from core.staff import accounts as staff_service
from core.staff import stats
from core.staff.accounts import StaffError, authenticate, create_user
from core.staff.models import ROLE_LABELS, StaffUser
from core.staff.throttle import LoginThrottled, LoginUnavailable
from core.timeutil import local_text
from core.wechat.outbound import DeliveryRefused
from web.console import bp
from web.console.audit_routes import audit, audit_and_commit
from web.console.auth import (
    admin_required,
    current_staff,
    log_in,
    log_out,
    login_required,
    safe_next,
)
from web.console.forms import ActionForm, CreateUserForm, LoginForm, ReplyForm

WRONG_LOGIN = "用户名或密码错误。"
SHORT_OPENID_LENGTH = 12  # an openid up to this long is shown whole (shortened, it is 11)
THROTTLED = "登录尝试过多，请15分钟后再试。"
LOGIN_UNAVAILABLE = "登录服务暂时不可用，请几分钟后再试。如急需处理，请联系系统管理员。"


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _dashboard() -> str:
    return url_for("console.dashboard")


# --- login -----------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """One generic error for unknown names, wrong passwords and disabled accounts alike."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_staff() is not None:
            return redirect(safe_next(form.next.data) or _dashboard())
    if not form.validate_on_submit():
        return render_template("console/login.html", form=form, error=None)
    try:
        user = authenticate(
            db.session(),
            _settings(),
            form.username.data,
            form.password.data,
            request.remote_addr or "unknown",
        )
    except LoginThrottled:
        retry_after = str(_settings().login_window_seconds)
        page = render_template("console/login.html", form=form, error=THROTTLED)
        return page, 429, {"Retry-After": retry_after}
    except LoginUnavailable:
        page = render_template("console/login.html", form=form, error=LOGIN_UNAVAILABLE)
        return page, 503, {"Retry-After": "60"}
    if user is None:
        return render_template("console/login.html", form=form, error=WRONG_LOGIN)
    db.session.commit()  # last_login_at
    log_in(user)
    return redirect(safe_next(form.next.data) or _dashboard())


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """A POST with a CSRF token, so another site cannot log staff out behind their back."""
    log_out()
    flash("已退出登录。", "info")
    return redirect(url_for("console.login"))


# --- dashboard ---------------------------------------------------------------


def _dashboard_counts() -> dict[str, int]:
    return stats.dashboard_counts(db.session(), viewer=g.staff)


@bp.get("/")
@login_required
def dashboard() -> ResponseReturnValue:
    return render_template("console/dashboard.html", counts=_dashboard_counts())


# --- inbox -------------------------------------------------------------------


def short_openid(openid: str) -> str:
    """Enough to tell people apart at a glance without printing the whole identifier."""
    return openid if len(openid) <= SHORT_OPENID_LENGTH else f"{openid[:6]}…{openid[-4:]}"


@bp.app_template_filter("console_time")
def _console_time(dt: datetime | None) -> str:
    return local_text(dt) or "—"


@bp.get("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    status = request.args.get("status", OPEN)
    if status not in STATUS_LABELS:
        status = OPEN
    requests = handover.list_requests(db.session(), status=status, viewer=g.staff)
    return render_template(
        "console/inbox.html",
        requests=requests,
        status=status,
        statuses=[(s, STATUS_LABELS[s]) for s in (OPEN, ANSWERED, CLOSED)],
        status_labels=STATUS_LABELS,
        short_openid=short_openid,
    )


def _get_request(request_id: int) -> HandoverRequest:
    """Another station's request does not exist, as far as station staff can tell."""
    item = db.session.get(HandoverRequest, request_id)
    if item is None or not handover.visible_to(db.session(), item, g.staff):
        abort(404)
    return item


def _window(person: Person) -> dict[str, object]:
    """What staff need to know before typing: can a message reach this person, until when."""
    last = person.last_message_at
    return {
        "subscribed": person.subscribed,
        "open": person.in_service_window(),
        "until": local_text(last + SERVICE_WINDOW) if last else "",
        "last": local_text(last) if last else "从未",
    }


def _render_request(item: HandoverRequest, form: ReplyForm, error: str | None = None) -> str:
    return render_template(
        "console/request.html",
        item=item,
        person=item.person,
        form=form,
        action_form=ActionForm(),
        error=error,
        window=_window(item.person),
        history=messages.recent_messages(db.session(), item.person_id),
        status_labels=STATUS_LABELS,
        short_openid=short_openid,
    )


@bp.route("/inbox/<int:request_id>", methods=["GET", "POST"])
@login_required
def request_detail(request_id: int) -> ResponseReturnValue:
    """The reply form posts here; a refusal re-shows the page with the typed text kept."""
    item = _get_request(request_id)
    form = ReplyForm()
    if request.method == "GET":
        audit_and_commit("handover.view", item.person_id, f"人工请求 #{item.id}")
        return _render_request(item, form)
    if item.status == CLOSED:
        return _render_request(item, form, "该请求已关闭，不能再回复。"), 409
    if not form.validate_on_submit():
        return _render_request(item, form)
    try:
        handover.reply(db.session(), _settings(), item, g.staff, form.text.data)
    except DeliveryRefused as exc:
        db.session.rollback()
        return _render_request(item, form, exc.reason)
    audit("handover.reply", item.person_id, f"人工请求 #{item.id}")
    db.session.commit()
    flash("已发送", "success")
    # Redirect so a browser refresh cannot send the same reply twice.
    return redirect(url_for("console.request_detail", request_id=item.id))


@bp.post("/inbox/<int:request_id>/close")
@login_required
def close_request(request_id: int) -> ResponseReturnValue:
    item = _get_request(request_id)
    if ActionForm().validate_on_submit() and item.status != CLOSED:
        handover.close(item, g.staff)
        audit("handover.close", item.person_id, f"人工请求 #{item.id}")
        db.session.commit()
        flash("已关闭该请求。", "success")
    return redirect(url_for("console.inbox"))


# --- staff users (district admins only) ---------------------------------------


def _render_users(form: CreateUserForm, error: str | None = None) -> str:
    users = staff_service.list_users(db.session())
    return render_template(
        "console/users.html",
        users=users,
        form=form,
        action_form=ActionForm(),
        error=error,
        role_labels=ROLE_LABELS,
    )


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> ResponseReturnValue:
    """List accounts; the create form posts here and shows StaffError on the form."""
    form = CreateUserForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _render_users(form)
    try:
        user = create_user(
            db.session(),
            form.username.data,
            form.password.data,
            form.role.data,
            display_name=form.display_name.data or "",
            station_id=form.station_id_value(),
        )
        db.session.commit()
    except StaffError as exc:
        db.session.rollback()
        return _render_users(form, str(exc))
    except IntegrityError:  # two admins creating the same name at the same moment
        db.session.rollback()
        return _render_users(form, f"用户名 {form.username.data} 已存在。")
    flash(f"已创建用户 {user.username}。", "success")
    return redirect(url_for("console.users"))


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        staff_service.set_active(user, active, g.staff)
    except staff_service.StaffError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.users"))
    db.session.commit()
    flash(f"已{'启用' if active else '停用'}用户 {user.username}。", "success")
    return redirect(url_for("console.users"))


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate_user(user_id: int) -> ResponseReturnValue:
    """A deactivated user is logged out on their next request (see auth.current_staff)."""
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@admin_required
def activate_user(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)
