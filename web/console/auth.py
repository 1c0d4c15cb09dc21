"""Who is logged in to the console: the session and the view decorators.

The Flask session (a signed cookie) holds only the user's id and a fingerprint of
their password hash and session generation. The user is loaded from the database on
every request, so deactivating an account, resetting its password or logging out
(which moves the generation on) ends its sessions at once: a signed cookie cannot be
taken back, so a copy of it must stop matching what the database holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from core.db import db
from core.staff.models import StaffUser

SESSION_USER = "staff_id"
SESSION_FINGERPRINT = "staff_fp"
# Where a login may send the browser afterwards: console pages only.
NEXT_PREFIX = "/console"
NEXT_MAX_LENGTH = 500  # longer than any console address; refused rather than parsed
# ASCII control characters (tab, newline, … DEL): browsers drop some of them from an address.
_CONTROL_CHARS = frozenset(chr(code) for code in [*range(0x20), 0x7F])

View = Callable[..., ResponseReturnValue]


def _fingerprint(user: StaffUser) -> str:
    """Changes whenever the password is set (the hash is salted) or the user logs out,
    invalidating every session made before."""
    material = f"{user.session_generation}:{user.password_hash}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def _clear_session() -> None:
    """Empty the session and what this request cached from it (Flask-WTF keeps its token in g)."""
    session.clear()
    g.pop("staff", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def log_in(user: StaffUser) -> None:
    """Start a fresh session: clearing first means a planted session id is never promoted."""
    _clear_session()
    session[SESSION_USER] = user.id
    session[SESSION_FINGERPRINT] = _fingerprint(user)
    g.staff = user


def log_out() -> None:
    """End this session and, server-side, every other one of the account (a copied cookie
    included): "退出" means nobody is still logged in as me."""
    user = current_staff()
    if user is not None:
        user.session_generation += 1
        db.session.commit()
    _clear_session()


def forget_cached_user() -> None:
    """Before each console request: `g` can outlive a request, the user check must not."""
    g.pop("staff", None)


def current_staff() -> StaffUser | None:
    """The logged-in, still active user (cached in `g.staff`); logs out anyone no longer valid."""
    if "staff" in g:
        return g.staff
    staff_id = session.get(SESSION_USER)
    if staff_id is None:
        return None
    user = db.session.get(StaffUser, staff_id)
    if user is None or not user.is_active or session.get(SESSION_FINGERPRINT) != _fingerprint(user):
        _clear_session()
        flash("账号已停用或登录已失效，请重新登录。", "error")
        return None
    g.staff = user
    return user


def safe_next(target: str | None) -> str | None:
    """`target` if it is a console path on this site, else None (no open redirect).

    Browsers treat `\\` like `/` and drop tabs and newlines, so `/\\evil` or
    `/\\t/evil` would leave the site: any such character is refused outright.
    """
    if not target or len(target) > NEXT_MAX_LENGTH:
        return None
    if "\\" in target or not _CONTROL_CHARS.isdisjoint(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if parts.path != NEXT_PREFIX and not parts.path.startswith(NEXT_PREFIX + "/"):
        return None
    return target


def _here() -> str:
    query = request.query_string.decode("utf-8", "replace")
    return request.path + ("?" + query if query else "")


def login_required(view: View) -> View:
    """Anonymous GETs go to the login page (and come back); other methods get 401."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_staff() is None:
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("console.login", next=_here()))
            return render_template(
                "console/error.html", title="请先登录", message="登录已失效，请重新登录后再操作。"
            ), 401
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    """Logged in and a district admin; station staff get the Chinese 403 page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not g.staff.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)
