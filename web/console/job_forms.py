"""Forms for the posting and event pages.

They only carry what staff typed (and the CSRF token): the rules live in
`core.jobs.admin` / `event_admin`, whose per-field messages are put back on the
fields here, so a refused form shows every problem next to its input and keeps the text.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from core.booking.models import TOWNS
from core.jobs.admin import FIELDS
from core.jobs.models import EVENT_KINDS, INDUSTRIES
from web.console.forms import _Choice, _normalise_newlines, _strip

_TOWNS = [_Choice("", "（请选择）")] + [_Choice(t, t) for t in TOWNS]


class PostingForm(FlaskForm):
    ref = StringField("编号（可不填）", filters=[_strip])
    employer = StringField("用人单位", filters=[_strip])
    title = StringField("岗位名称", filters=[_strip])
    town = SelectField("街镇", choices=_TOWNS, validate_choice=False)
    industry = SelectField(
        "行业",
        choices=[_Choice("", "（请选择）")] + [_Choice(i, i) for i in INDUSTRIES],
        validate_choice=False,
    )
    pay_min = StringField("月薪下限（元）", filters=[_strip])
    pay_max = StringField("月薪上限（元）", filters=[_strip])
    requirements = TextAreaField("岗位要求", filters=[_normalise_newlines])
    how_to_apply = TextAreaField("报名方式", filters=[_normalise_newlines])
    veterans_priority = BooleanField("退役军人优先")
    valid_until = StringField("有效期至（含当天）", filters=[_strip], render_kw={"type": "date"})

    def to_row(self) -> dict[str, str]:
        row = {name: str(self[name].data or "") for name in FIELDS if name != "veterans_priority"}
        row["veterans_priority"] = "1" if self.veterans_priority.data else "0"
        return row


class EventForm(FlaskForm):
    kind = SelectField(
        "类型",
        choices=[_Choice(k, label) for k, label in EVENT_KINDS.items()],
        validate_choice=False,
    )
    title = StringField("名称", filters=[_strip])
    day = StringField("日期", filters=[_strip], render_kw={"type": "date"})
    starts = StringField("开始时间", filters=[_strip], render_kw={"type": "time"})
    ends = StringField("结束时间", filters=[_strip], render_kw={"type": "time"})
    station_id = SelectField("服务站", choices=[], validate_choice=False)
    address = StringField("地址（不在服务站时填写，或补充房间号）", filters=[_strip])
    town = SelectField("街镇（选了服务站可不选）", choices=_TOWNS, validate_choice=False)
    organiser = StringField("主办单位", filters=[_strip])
    description = TextAreaField("介绍", filters=[_normalise_newlines])
    capacity = StringField("名额", filters=[_strip])

    def to_row(self) -> dict[str, str]:
        return {name: str(self[name].data or "") for name in self.data if name != "csrf_token"}


class CancelEventForm(FlaskForm):
    reason = StringField("取消原因（会发送给已报名的人）", filters=[_strip])


class JobImportForm(FlaskForm):
    file = FileField("CSV 文件")


def put_errors(form: FlaskForm, errors: Mapping[str, str]) -> None:
    """A service's per-field messages, shown under their inputs."""
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
