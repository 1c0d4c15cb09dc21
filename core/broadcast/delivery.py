"""One broadcast message to one person (or one mass send), with WeChat's errors sorted out.

What each answer means for the ledger row:
- accepted → sent;
- 45015 (outside the 48-hour window, or unfollowed) → skipped, with the reason;
- 45047 (too many messages to that person) → failed with the code;
- 45009 (daily quota used up) → failed with the code, and the run stops: every row not yet
  tried goes back to pending for the next day;
- HTTP 5xx, errcode -1, a connection that could not be made → retried with backoff, then
  failed with the code;
- a timeout after the request left, or a connection dropped mid-answer → failed, never
  retried: WeChat may have delivered it, and a second copy is worse than one lost;
- anything else → failed with the code and WeChat's reason.
Without WeChat credentials (embedded mode) nothing is called: the sender writes the
message to the outbox in the same transaction that marks the row sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from core.broadcast.models import CUSTOM, FAILED, PENDING, SENT, SKIPPED, SUBSCRIBE, TEMPLATE
from core.broadcast.rate_limit import TokenBucket
from core.cache import cache
from core.config import Settings
from core.wechat.api import (
    OutsideServiceWindow,
    QuotaExceeded,
    TooManyMessages,
    TransientError,
    WeChatAPI,
    WeChatAPIError,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
OUTSIDE_WINDOW = "超出48小时客服消息时限或用户已取消关注"
UNCONFIRMED = "请求超时，未确认是否送达（为避免重复，不再重发）"
QUOTA = "今日微信接口调用额度已用完"
TOO_MANY = "发给该用户的消息条数超过上限"


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str = ""

    @property
    def text(self) -> str:
        parts = [f"【{self.title}】", self.body]
        if self.url:
            parts.append(f"详情：{self.url}")
        return "\n".join(parts)

    def fields(self) -> dict[str, str]:
        """Template / subscribe message fields (each cut to 20 characters by the client)."""
        return {"thing1": self.title, "thing2": self.body.replace("\n", " ")}


@dataclass(frozen=True)
class Outcome:
    status: str  # SENT, FAILED, SKIPPED, or PENDING (not tried: the run stopped first)
    reason: str = ""
    errcode: int | None = None
    attempts: int = 0


class Transport:
    """Sends through WeChat's API; `local` transports send nothing (see the module doc)."""

    local = False

    def __init__(self, settings: Settings, api: WeChatAPI | None = None) -> None:
        self.settings = settings
        # Retries are decided here (a timeout must not be retried), so the client tries once.
        self.api = api or WeChatAPI(settings, cache, max_attempts=1)
        self.api.widen_pool(settings.broadcast_workers + 2)

    def send(self, channel: str, openid: str, message: Message) -> None:
        s = self.settings
        if channel == CUSTOM:
            self.api.send_text(openid, message.text)
        elif channel == TEMPLATE:
            self.api.send_template(
                openid, s.wechat_template_broadcast, message.fields(), url=message.url or None
            )
        elif channel == SUBSCRIBE:
            self.api.send_subscribe(openid, s.wechat_subscribe_template_broadcast, message.fields())
        else:
            raise ValueError(f"not a one-person channel: {channel}")

    def mass(self, openids: list[str], message: Message) -> None:
        self.api.mass_send_text(openids, message.text)


class LocalTransport(Transport):
    """Embedded mode: the outbox stands in for WeChat."""

    local = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, channel: str, openid: str, message: Message) -> None:
        return None

    def mass(self, openids: list[str], message: Message) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    return Transport(settings) if settings.outbound_enabled else LocalTransport(settings)


def _unconfirmed(exc: TransientError) -> bool:
    """True when the request may have reached WeChat: a read timeout or a dropped answer."""
    cause = exc.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return False
    if isinstance(cause, requests.Timeout):
        return True
    if isinstance(cause, requests.ConnectionError):
        text = str(cause)
        return not ("NewConnectionError" in text or "Failed to establish" in text)
    return False


@dataclass
class Sending:
    """What every sending thread of one run shares: the transport, the rate, the stop flag."""

    transport: Transport
    limiter: TokenBucket
    sleep: Callable[[float], None] = time.sleep
    max_attempts: int = MAX_ATTEMPTS
    backoff: float = BACKOFF_SECONDS

    def __post_init__(self) -> None:
        self.stop = threading.Event()  # set on 45009: nothing more is tried in this run

    def attempt(self, call: Callable[[], None]) -> Outcome:
        attempts = 0
        while True:
            if self.stop.is_set():
                return Outcome(PENDING, attempts=attempts)
            self.limiter.acquire()
            attempts += 1
            try:
                call()
                return Outcome(SENT, attempts=attempts)
            except OutsideServiceWindow as exc:
                return Outcome(SKIPPED, OUTSIDE_WINDOW, exc.errcode, attempts)
            except QuotaExceeded as exc:
                self.stop.set()
                return Outcome(FAILED, QUOTA, exc.errcode, attempts)
            except TooManyMessages as exc:
                return Outcome(FAILED, TOO_MANY, exc.errcode, attempts)
            except TransientError as exc:
                if _unconfirmed(exc):
                    return Outcome(FAILED, UNCONFIRMED, exc.errcode, attempts)
                if attempts >= self.max_attempts:
                    reason = f"微信服务暂时不可用（已尝试{attempts}次）"
                    return Outcome(FAILED, reason, exc.errcode, attempts)
                self.sleep(self.backoff * 2 ** (attempts - 1))
            except WeChatAPIError as exc:
                return Outcome(FAILED, exc.user_message[:200], exc.errcode, attempts)
            except Exception:  # a bug must cost one row, not the whole run
                log.exception("broadcast send failed unexpectedly")
                return Outcome(FAILED, "发送出错（程序异常）", None, attempts)

    def one(self, channel: str, openid: str, message: Message) -> Outcome:
        return self.attempt(lambda: self.transport.send(channel, openid, message))

    def many(self, openids: list[str], message: Message) -> Outcome:
        return self.attempt(lambda: self.transport.mass(openids, message))
