"""Pushing a message to a person outside a callback (customer-service messages).

One gate for every push: unsubscribed people and people outside WeChat's 48-hour
window are refused with a reason staff can read. With WeChat credentials the
message goes to WeChat's API; without them (embedded mode) it lands in the
outbox table, which the simulator shows.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core.cache import cache
from core.chatlog.messages import log_outbound
from core.chatlog.models import MessageLog
from core.config import Settings
from core.people.models import Person
from core.timeutil import local_text
from core.wechat.models import OutboxMessage

if TYPE_CHECKING:
    from core.wechat.api import WeChatAPI

_api_lock = threading.Lock()
_api: tuple[Settings, WeChatAPI] | None = None


class DeliveryRefused(Exception):
    """The message may not be sent; `reason` is Chinese and shown to staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wechat_api(settings: Settings) -> WeChatAPI:
    """One client per process (it shares its access_token with other workers via Redis)."""
    global _api
    from core.wechat.api import WeChatAPI

    with _api_lock:
        if _api is None or _api[0] != settings:
            _api = (settings, WeChatAPI(settings, cache))
        return _api[1]


def check_reachable(person: Person) -> None:
    """Raise DeliveryRefused unless a customer-service message may reach the person now."""
    if not person.subscribed:
        raise DeliveryRefused("该用户已取消关注公众号，无法向其发送消息。")
    if not person.in_service_window():
        last = local_text(person.last_message_at) if person.last_message_at else "从未"
        raise DeliveryRefused(
            f"已超出微信48小时客服消息时限（该用户最后一次发消息：{last}）。"
            "需等其再次给公众号发消息后才能回复。"
        )


def send_text(
    session: Session, settings: Settings, person: Person, text: str, *, handler: str
) -> MessageLog:
    """Send a customer-service text and log it; raises DeliveryRefused with the reason."""
    from core.wechat.api import OutsideServiceWindow, WeChatAPIError

    check_reachable(person)
    if settings.outbound_enabled:
        try:
            wechat_api(settings).send_text(person.openid, text)
        except OutsideServiceWindow as exc:
            raise DeliveryRefused(exc.user_message) from exc
        except WeChatAPIError as exc:
            raise DeliveryRefused(f"微信接口发送失败：{exc.user_message}") from exc
        channel = "custom"
    else:
        session.add(OutboxMessage(openid=person.openid, kind="text", content=text))
        channel = "outbox"
    return log_outbound(
        session, person, msg_type="text", content=text, channel=channel, handler=handler
    )
