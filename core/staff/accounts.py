"""Console accounts: creation, password checks and login throttling."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.booking.models import Station
from core.config import Settings
from core.staff import throttle
from core.staff.models import ROLES, STATION_STAFF, StaffUser
from core.timeutil import utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
USERNAME_MAX_LENGTH = 64  # the column's String(64)
# Compared against when the username is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class StaffError(ValueError):
    """A reason in Chinese, for the CLI and the console forms."""


def get_by_username(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    station_id: int | None = None,
) -> StaffUser:
    username = username.strip()
    if not username or len(username) > USERNAME_MAX_LENGTH:
        raise StaffError("用户名不能为空，且不超过64个字符。")
    if role not in ROLES:
        raise StaffError(f"角色必须是 {' 或 '.join(ROLES)} 之一。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    if get_by_username(session, username) is not None:
        raise StaffError(f"用户名 {username} 已存在。")
    if station_id is not None and session.get(Station, station_id) is None:
        raise StaffError(f"服务站编号 {station_id} 不存在。")
    user = StaffUser(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=generate_password_hash(password),
        role=role,
        station_id=station_id if role == STATION_STAFF else None,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: StaffUser, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    user.password_hash = generate_password_hash(password)


def authenticate(
    session: Session, settings: Settings, username: str, password: str, remote_addr: str
) -> StaffUser | None:
    """The user if the password is right, counting the attempt first (core.staff.throttle).

    Raises LoginThrottled over the limit and LoginUnavailable when attempts cannot be
    counted; in both cases no password is checked. In production a demo account's
    published password (core.demo) never opens the console, even if the account exists.
    """
    attempt = throttle.begin(settings, username, remote_addr)
    user = get_by_username(session, username)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        return None
    if settings.is_production and _is_demo_login(user.username, password):
        log.warning("refused demo account %s with its published password", user.username)
        return None
    throttle.succeeded(attempt)
    user.last_login_at = utcnow()
    return user


def _is_demo_login(username: str, password: str) -> bool:
    from core.demo import DEMO_ACCOUNTS

    return any(username == name and password == pw for name, pw, _r, _n in DEMO_ACCOUNTS)


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.id)))


def set_active(user: StaffUser, active: bool, acting: StaffUser) -> None:
    """Switch an account on or off; nobody can lock themself out."""
    if user.id == acting.id and not active:
        raise StaffError("不能停用自己的账号。")
    user.is_active = active
