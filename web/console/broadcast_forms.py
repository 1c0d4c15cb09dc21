"""The compose form for broadcasts. It only parses; the rules live in core.broadcast.admin."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.booking.models import TOWNS
from core.broadcast.admin import BODY_MAX, TITLE_MAX
from core.broadcast.models import BROADCAST_KINDS, SEGMENT_LABELS
from core.jobs.models import CATEGORY_LABELS
from core.timeutil import LOCAL_TZ
from web.console.forms import _Choice, _normalise_newlines, _strip

SEND_NOW = "now"
SEND_LATER = "later"


class BroadcastForm(FlaskForm):
    title = StringField(
        "标题",
        filters=[_strip],
        validators=[
            DataRequired("请填写标题。"),
            Length(max=TITLE_MAX, message=f"标题不超过{TITLE_MAX}个字。"),
        ],
    )
    body = TextAreaField(
        "内容",
        filters=[_normalise_newlines],
        validators=[
            DataRequired("请填写内容。"),
            Length(max=BODY_MAX, message=f"内容不超过{BODY_MAX}个字（微信消息有长度限制）。"),
        ],
    )
    kind = SelectField(
        "类型", choices=[_Choice(k, v) for k, v in BROADCAST_KINDS.items()], default="notice"
    )
    segment = RadioField(
        "发送对象",
        choices=[_Choice(k, v) for k, v in SEGMENT_LABELS.items()],
        default="all",
        validate_choice=False,  # the service says what is wrong, in the same words everywhere
    )
    category = SelectField(
        "订阅类别",
        choices=[_Choice(k, v) for k, v in CATEGORY_LABELS.items()],
        validate_choice=False,
    )
    town = SelectField("街镇", choices=[_Choice(t, t) for t in TOWNS], validate_choice=False)
    event_id = SelectField("活动", choices=[], validate_choice=False)
    use_mass = BooleanField("对无法用客服消息送达的人使用群发（每人每月最多4次）")
    when = RadioField(
        "发送时间",
        choices=[_Choice(SEND_NOW, "立即发送"), _Choice(SEND_LATER, "定时发送")],
        default=SEND_NOW,
        validate_choice=False,
    )
    send_at = StringField("定时（北京时间）", filters=[_strip], validators=[Optional()])
    confirmed = HiddenField()

    def segment_value(self) -> str:
        return {
            "category": self.category.data,
            "town": self.town.data,
            "event": self.event_id.data,
        }.get(self.segment.data or "", "") or ""

    def send_time(self) -> datetime | None:
        """The chosen time (a datetime-local value, Shanghai), None for now; ValueError if bad."""
        if self.when.data != SEND_LATER:
            return None
        text = (self.send_at.data or "").replace(" ", "T")
        if not text:
            raise ValueError("请选择定时发送的时间。")
        try:
            return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)
        except ValueError as exc:
            raise ValueError("时间格式不对，应如 2026-11-28T09:00。") from exc
