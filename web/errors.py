"""Chinese pages for faults and refusals on every page people open.

A database that is down, locked or out of connections gets 503 and "try again in a
minute" (it usually comes back by itself); anything else unexpected gets 500. A refusal
(any 4xx: an unknown address, a method the address does not take, a request too large)
gets its own Chinese page too: on the phone pages, the console, and the rest of the site
(the front page's neighbours), so nobody meets werkzeug's English "Not Found". Either
way the page itself needs no database (the console's nav bar counts open requests: it is
left out). Machine paths (the WeChat callback, /healthz, the simulator's JSON) keep
their own short answers.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from core.db import TRANSIENT_ERRORS, db

log = logging.getLogger(__name__)

DATABASE_FAULTS = TRANSIENT_ERRORS
RETRY_AFTER_SECONDS = 30

BUSY_TITLE = "系统繁忙"
BUSY_MESSAGE = (
    "数据暂时无法读取或保存，请稍等一分钟后再试。刚才的操作可能没有完成，重试前请先核对。"
)
BROKEN_TITLE = "系统出错了"
BROKEN_MESSAGE = "处理您的请求时出了问题，请稍后再试。如果一直这样，请联系工作人员。"

# Refusals, by status; any other 4xx gets REFUSED.
REFUSALS: dict[int, tuple[str, str]] = {
    400: ("请求无效", "页面已过期或请求无效，请返回刷新页面后重试。"),
    401: ("需要登录", "请先登录后再打开这个页面。"),
    403: ("无权访问", "您没有打开这个页面的权限。"),
    404: ("页面不存在", "您要找的页面不存在，可能链接有误，或内容已被删除。"),
    405: ("不能这样打开", "这个地址不能这样打开，请从页面上的链接或按钮进入。"),
    413: ("内容太大", "提交的内容或文件太大，请减小后再试。"),
    429: ("操作太频繁", "操作太频繁了，请稍等一会儿再试。"),
}
REFUSED = ("无法处理这个请求", "请返回上一页重试；如果一直这样，请联系工作人员。")
# Paths that answer machines, not people: their own short answers stay as they are.
MACHINE_PREFIXES = ("/wechat", "/healthz", "/simulator/")


def register(app: Flask) -> None:
    for fault in DATABASE_FAULTS:
        app.register_error_handler(fault, _database_fault)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _refused)


def refusal_text(code: int) -> tuple[str, str]:
    """The Chinese title and sentence for a 4xx status (one place for all three areas)."""
    return REFUSALS.get(code, REFUSED)


def _refused(exc: HTTPException) -> ResponseReturnValue:
    """Any 4xx without a handler of its own; redirects and machine paths pass through."""
    code = exc.code or 500
    if not 400 <= code < 500 or request.path.startswith(MACHINE_PREFIXES):  # noqa: PLR2004
        return exc
    title, message = refusal_text(code)
    if request.path.startswith("/m/") or request.path == "/m":
        body = render_template("mobile/error.html", title=title, message=message)
    elif request.path.startswith("/console"):
        body = render_template("console/error.html", title=title, message=message)
    else:
        body = render_template("home/error.html", title=title, message=message)
    response = Response(body, status=code)
    if code == 405:  # noqa: PLR2004  (Method Not Allowed must say which methods it takes)
        response.headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or ())
    return response


def _database_fault(exc: Exception) -> ResponseReturnValue:
    log.warning("database fault on %s %s: %s", request.method, request.path, exc)
    return _fault_page(BUSY_TITLE, BUSY_MESSAGE, 503)


def _server_error(exc: InternalServerError) -> ResponseReturnValue:
    """Unhandled exceptions end here (Flask has logged them already)."""
    if isinstance(exc.original_exception, DATABASE_FAULTS):
        return _fault_page(BUSY_TITLE, BUSY_MESSAGE, 503)
    return _fault_page(BROKEN_TITLE, BROKEN_MESSAGE, 500)


def _fault_page(title: str, message: str, status: int) -> ResponseReturnValue:
    _release_session()
    g.pop("staff", None)  # the console's nav bar would ask the database again
    if request.path.startswith("/m/"):
        body = render_template("mobile/fault.html", title=title, message=message)
    elif request.path.startswith("/console"):
        body = render_template("console/error.html", title=title, message=message)
    else:
        body = f"{title}：{message}"
    response = Response(body, status=status)
    if not request.path.startswith(("/m/", "/console")):
        response.content_type = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    if status == 503:  # noqa: PLR2004  (Service Unavailable: says when to come back)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _release_session() -> None:
    """Give the broken transaction back; with the database gone even that may fail."""
    try:
        db.session.rollback()
    except Exception:  # the fault page must still be shown
        log.debug("rollback after a fault failed", exc_info=True)
