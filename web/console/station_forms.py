"""Forms for the station and booking pages, and the station rules' messages in staff's words.

A station form is turned into the same row the CSV import reads and checked by the same
`station_csv.parse_row`, so the console and a file can never disagree about what a valid
station is. That checker names the CSV column of each bad value; `place_error` puts each
reason on the field of that name.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.booking import station_csv
from core.booking.models import TOWNS, Station
from core.booking.station_services import all_items
from core.csvio import RowError
from web.console.forms import _Choice, _normalise_newlines, _strip

# The form's fields, named as the CSV columns (core.booking.station_csv.LABELS).
FIELDS = (
    "code",
    "name",
    "town",
    "address",
    "latitude",
    "longitude",
    "phone",
    "services",
    "slot_minutes",
    "desks",
    "booking_window_days",
    "min_notice_minutes",
    "max_active_per_person",
    "hours",
)
NUMBER_DEFAULTS = {
    "slot_minutes": "30",
    "desks": "1",
    "booking_window_days": "14",
    "min_notice_minutes": "120",
    "max_active_per_person": "2",
}
HOURS_HINT = "1=周一 … 7=周日；如“1-5 09:00-11:30 13:30-17:00; 6 09:00-12:00”，午休分成两段"


def _service_choices() -> list[object]:
    return [
        _Choice(str(item.no), f"{item.no}. {item.name}{'（可预约）' if item.bookable else ''}")
        for item in all_items().values()
    ]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StationForm(FlaskForm):
    code = StringField(
        "编号",
        filters=[_strip],
        validators=[DataRequired("请填写编号。"), Length(max=32, message="编号不超过32个字符。")],
    )
    name = StringField(
        "名称",
        filters=[_strip],
        validators=[DataRequired("请填写名称。"), Length(max=100, message="名称过长。")],
    )
    town = SelectField(
        "街镇",
        choices=[_Choice("", "（请选择）")] + [_Choice(t, t) for t in TOWNS],
        validators=[DataRequired("请选择街镇。")],
    )
    address = StringField("地址", filters=[_strip], validators=[Length(max=200)])
    latitude = StringField("纬度（GCJ-02）", filters=[_strip])
    longitude = StringField("经度（GCJ-02）", filters=[_strip])
    phone = StringField("电话", filters=[_strip], validators=[Length(max=40)])
    has_veterans_window = BooleanField("设有退役军人服务窗口")
    services = _Checkboxes("服务事项", choices=_service_choices())
    hours = StringField("每周开放时间", filters=[_strip])
    slot_minutes = StringField("每个时段（分钟）", filters=[_strip])
    desks = StringField("窗口数（每个时段可接待人数）", filters=[_strip])
    booking_window_days = StringField("可提前预约天数", filters=[_strip])
    min_notice_minutes = StringField("至少提前预约（分钟）", filters=[_strip])
    max_active_per_person = StringField("每人有效预约上限", filters=[_strip])
    is_active = BooleanField("接受预约", default=True)
    is_sample = BooleanField("示例数据（对用户标注“示例”）")
    note = TextAreaField("备注", filters=[_normalise_newlines], validators=[Optional()])
    confirm = HiddenField()

    def validate_hours(self, field: StringField) -> None:
        try:
            station_csv.parse_hours(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def to_row(self) -> dict[str, str]:
        """The form as a CSV row, for `station_csv.parse_row`."""
        row = {name: str(self[name].data or "") for name in FIELDS if name != "services"}
        row["services"] = " ".join(self.services.data or [])
        row["has_veterans_window"] = "1" if self.has_veterans_window.data else "0"
        row["is_sample"] = "1" if self.is_sample.data else "0"
        row["note"] = self.note.data or ""
        return row


def station_data(station: Station | None) -> dict[str, object]:
    """What the form shows for a saved station, or the defaults for a new one."""
    if station is None:
        return dict(NUMBER_DEFAULTS, is_active=True, hours="1-5 09:00-11:30 13:30-17:00")
    data: dict[str, object] = {
        name: "" if getattr(station, name) is None else str(getattr(station, name))
        for name in FIELDS
        if name not in ("services", "hours")
    }
    data.update(
        services=[str(n) for n in station.services],
        hours=station_csv.format_hours(station.hours),
        has_veterans_window=station.has_veterans_window,
        is_active=station.is_active,
        is_sample=station.is_sample,
        note=station.note,
    )
    return data


def place_error(form: StationForm, error: RowError) -> None:
    """Attach each of the station rules' reasons to the field of its column."""
    for cell in error.cells:
        field = form._fields.get(cell.column, form.hours)
        field.errors = [*field.errors, cell.reason]


class ExceptionForm(FlaskForm):
    day = StringField("日期", filters=[_strip], render_kw={"type": "date"})
    kind = RadioField(
        "当天",
        choices=[_Choice("closed", "全天不开放"), _Choice("special", "按特殊时段开放")],
        default="closed",
    )
    periods = StringField("特殊开放时段", filters=[_strip])
    note = StringField(
        "说明（用户可见）",
        filters=[_strip],
        validators=[Length(max=200, message="说明不超过200个字。")],
    )
    confirm = HiddenField()

    def validate_day(self, field: StringField) -> None:
        try:
            date.fromisoformat(field.data or "")
        except ValueError as exc:
            raise ValidationError("请选择日期（如 2026-12-03）。") from exc

    def day_value(self) -> date:
        return date.fromisoformat(self.day.data or "")


class ConfirmForm(FlaskForm):
    """A button that may need a second, confirming press (removing an exception)."""

    confirm = HiddenField()


class ImportForm(FlaskForm):
    file = FileField("CSV 文件")
    # After a first upload that affects bookings, the text comes back for the confirming press.
    csv_text = TextAreaField()
    confirm = HiddenField()


def _reason() -> StringField:
    return StringField(
        "取消原因",
        filters=[_strip],
        validators=[
            DataRequired("请填写取消原因，原因会发送给预约人。"),
            Length(max=200, message="原因不超过200个字。"),
        ],
    )


class CancelForm(FlaskForm):
    reason = _reason()
    next = HiddenField()


class MoveForm(FlaskForm):
    starts_at = SelectField("改到", validate_choice=False)
    next = HiddenField()


class BulkCancelForm(FlaskForm):
    reason = _reason()
    bookings = SelectMultipleField(validate_choice=False)
    next = HiddenField()
