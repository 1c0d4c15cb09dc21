"""Chinese pages for faults on the console and the phone pages.

A database that is down, locked or out of connections gets 503 and "try again in a
minute" (it usually comes back by itself); anything else unexpected gets 500. Either
way staff and the people we serve read Chinese, not werkzeug's English page, and the
page itself needs no database (the console's nav bar counts open requests: it is left
out). Other paths (the WeChat callback, /healthz) keep their own short answers.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import InternalServerError

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


def register(app: Flask) -> None:
    for fault in DATABASE_FAULTS:
        app.register_error_handler(fault, _database_fault)
    app.register_error_handler(InternalServerError, _server_error)


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
