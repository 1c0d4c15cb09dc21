"""Telling a person about their booking outside a chat reply: confirmations, changes,
staff cancellations and reminders.

Channel, as WeChat allows: a template message when one is configured (notices the person
caused, fields of at most 20 characters); otherwise a customer-service message, which
only reaches people inside the 48-hour window; in embedded mode, the outbox. A refused or
failed push is logged and reported, never raised: the booking itself stands.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from core.booking import station_services
from core.booking.models import Booking
from core.booking.texts import when_text
from core.config import Settings
from core.wechat import outbound
from core.wechat.links import page_url

log = logging.getLogger(__name__)

TITLES = {
    "confirmed": "预约成功",
    "changed": "预约已改期",
    "cancelled_by_staff": "预约已被服务站取消",
    "cancelled": "预约已取消",
    "reminder_day": "明天有预约",
    "reminder_soon": "预约即将开始",
}


def booking_text(settings: Settings, booking: Booking, kind: str, reason: str = "") -> str:
    lines = [
        f"【{TITLES[kind]}】",
        f"服务站：{booking.station.name}",
        f"时间：{when_text(booking)}",
        f"事项：{station_services.name_of(booking.service)}",
        f"预约码：{booking.code}",
    ]
    if reason:
        lines.append(f"原因：{reason}")
    if kind in ("confirmed", "changed", "reminder_day", "reminder_soon"):
        lines.append("到站时请出示预约码。如需取消或改约，回复“我的预约”。")
    if kind == "cancelled_by_staff":
        lines.append("给您带来不便，敬请谅解。可回复“预约”重新选择时间，或回复“人工”。")
    lines.append(f"详情：{page_url(settings, '/m/bookings', booking.person.openid)}")
    return "\n".join(lines)


def _template_fields(booking: Booking, kind: str) -> dict[str, str]:
    return {
        "thing1": TITLES[kind],
        "thing2": booking.station.name,
        "time3": when_text(booking),
        "character_string4": booking.code,
    }


def notify_booking(
    session: Session, settings: Settings, booking: Booking, kind: str, reason: str = ""
) -> str:
    """Push a booking notice; returns the channel used, or "refused: …" / "failed: …"."""
    person = booking.person
    if not person.subscribed:
        return "refused: unsubscribed"
    if settings.outbound_enabled and settings.wechat_template_booking:
        from core.wechat.api import WeChatAPIError

        try:
            outbound.wechat_api(settings).send_template(
                person.openid,
                settings.wechat_template_booking,
                _template_fields(booking, kind),
                url=page_url(settings, "/m/bookings", person.openid),
            )
            return "template"
        except WeChatAPIError as exc:
            log.warning(
                "template notice %s for booking %s failed: %s", kind, booking.code, exc.errcode
            )
    try:
        outbound.send_text(
            session,
            settings,
            person,
            booking_text(settings, booking, kind, reason),
            handler=f"notify.{kind}",
        )
    except outbound.DeliveryRefused as exc:
        log.info("booking notice %s for %s not delivered: %s", kind, booking.code, exc.reason)
        return f"refused: {exc.reason}"
    return "custom" if settings.outbound_enabled else "outbox"
