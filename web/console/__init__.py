"""`/console`: the staff console (login, the 人工 inbox, staff accounts).

Only the blueprint and its page-wide hooks live here: the nav bar's context and
Chinese error pages (the headers that keep private pages out of caches and frames are
web.page_headers', set app-wide).
Views are in `routes`, forms in `forms`, session handling in `auth`.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")

_ERROR_TEXT = {
    403: ("无权访问", "此页面仅限区级管理员使用。"),
    404: ("页面不存在", "您要找的内容不存在或已被删除。"),
    413: ("内容过大", "提交的文件或内容超过了允许的大小，请检查是否选错了文件；CSV 请分批导入。"),
}


@bp.context_processor
def _nav() -> dict[str, object]:
    """The nav bar needs the user and the open-inbox count on every logged-in page."""
    from core.db import db
    from core.people import handover
    from core.staff.models import ROLE_LABELS

    staff = g.get("staff")
    if staff is None:
        return {"staff": None}
    return {
        "staff": staff,
        "role_label": ROLE_LABELS.get(staff.role, staff.role),
        "open_count": handover.count_open(db.session(), staff),
    }


@bp.errorhandler(CSRFError)
def _csrf_error(_exc: CSRFError) -> ResponseReturnValue:
    """The form's token is missing or stale (usually an old tab): say so in Chinese."""
    return render_template(
        "console/error.html",
        title="请求已失效",
        message="页面已过期或请求无效，请返回刷新页面后重试。",
    ), 400


@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(413)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    title, message = _ERROR_TEXT[code]
    return render_template("console/error.html", title=title, message=message), code


from web.console import (  # noqa: E402  (these register the views on bp)
    audit_routes,  # noqa: F401  (who looked at whose data; district admins)
    booking_routes,  # noqa: F401  (a station's bookings)
    broadcast_routes,  # noqa: F401  (broadcasts to subscribers, progress, reports)
    event_routes,  # noqa: F401  (job fairs and other events, sign-up lists)
    faq_routes,  # noqa: F401  (FAQ curation)
    job_routes,  # noqa: F401  (job postings, CSV)
    routes,  # noqa: F401  (login, inbox, users)
    station_routes,  # noqa: F401  (stations, hours, exceptions, CSV)
    understanding_routes,  # noqa: F401  (misread messages, teaching intents)
)
from web.console.auth import forget_cached_user  # noqa: E402

bp.before_request(forget_cached_user)
