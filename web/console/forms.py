"""Console forms. Each is a FlaskForm, so each carries and checks a CSRF token.

Validation messages are given in Chinese here because WTForms' defaults are English.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from core.staff.models import DISTRICT_ADMIN, ROLE_LABELS, STATION_STAFF

try:  # WTForms 3.3 deprecates (value, label) tuples; older versions only know tuples.
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover

    def _Choice(value: str, label: str) -> tuple[str, str]:
        return (value, label)


REPLY_MAX_CHARS = 600
ROLE_CHOICES = [_Choice(role, ROLE_LABELS[role]) for role in (STATION_STAFF, DISTRICT_ADMIN)]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _normalise_newlines(value: str | None) -> str | None:
    """Browsers send CRLF but count a newline as one character; count it as one here too."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class LoginForm(FlaskForm):
    username = StringField(
        "用户名",
        filters=[_strip],
        validators=[DataRequired("请输入用户名。"), Length(max=64, message="用户名过长。")],
    )
    password = PasswordField(
        "密码", validators=[DataRequired("请输入密码。"), Length(max=200, message="密码过长。")]
    )
    next = HiddenField()


class ReplyForm(FlaskForm):
    text = TextAreaField(
        "回复内容",
        filters=[_normalise_newlines],
        validators=[
            DataRequired("请填写回复内容。"),
            Length(max=REPLY_MAX_CHARS, message=f"回复不能超过{REPLY_MAX_CHARS}个字。"),
        ],
    )


class ActionForm(FlaskForm):
    """A button-only POST (close, activate, deactivate): just the CSRF token."""


class CreateUserForm(FlaskForm):
    username = StringField(
        "用户名",
        filters=[_strip],
        validators=[
            DataRequired("请输入用户名。"),
            Length(max=64, message="用户名不超过64个字符。"),
        ],
    )
    display_name = StringField(
        "显示名称",
        filters=[_strip],
        validators=[Optional(), Length(max=64, message="显示名称不超过64个字符。")],
    )
    role = SelectField(
        "角色",
        choices=ROLE_CHOICES,
        default=STATION_STAFF,
        validate_choice=True,
    )
    password = PasswordField(
        "初始密码",
        validators=[DataRequired("请设置初始密码。"), Length(max=200, message="密码过长。")],
    )
    station_id = StringField(
        "服务站编号（可选）",
        filters=[_strip],
        validators=[Optional(), Regexp(r"^\d{1,9}$", message="服务站编号须为数字。")],
    )

    def station_id_value(self) -> int | None:
        return int(self.station_id.data) if self.station_id.data else None
