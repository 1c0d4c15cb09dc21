"""The WeChat callback protocol: verify, decrypt, parse, answer, encrypt.

Framework-free so the real endpoint, the simulator and `vetbot ask` share it. Every
outcome is a status and a body: 403 for a bad signature, a stale or replayed callback or
a plain one where safe mode is required (nothing processed; bot.callback_guard), 400 for
a body we cannot read, otherwise a reply XML or "success" — never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import ArticlesReply

import bot.handlers  # noqa: F401  (each handler module registers its routes on import)
from bot import callback_guard
from bot.inbound import BadMessage, Inbound, decode_body, parse_message, parse_xml
from bot.pipeline import answer
from bot.reply import Reply
from core.config import Settings
from core.timeutil import utcnow

log = logging.getLogger(__name__)


PLAIN_TEXT = "text/plain; charset=utf-8"
FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str
    reply: Reply | None = None
    message: Inbound | None = None
    plain_text: bool = False  # always text/plain, whatever the body looks like (the echo)

    @property
    def content_type(self) -> str:
        if self.plain_text or not self.body.startswith("<"):
            return PLAIN_TEXT
        return "application/xml; charset=utf-8"

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Content-Type, and nosniff so no browser reads a body as anything else."""
        return [("Content-Type", self.content_type), ("X-Content-Type-Options", "nosniff")]


def signature_ok(settings: Settings, args: Mapping[str, str]) -> bool:
    """WeChat's check: SHA-1 of token, timestamp and nonce, sorted and joined.

    The same computation as wechatpy's `check_signature`, compared in constant time
    and without building a signer object and an exception per callback.
    """
    parts = sorted((settings.wechat_token, args.get("timestamp", ""), args.get("nonce", "")))
    expected = hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected.encode(), args.get("signature", "").encode("utf-8"))


# WeChat's echostr is a long number; nothing else is echoed (it is outside the signature).
ECHOSTR = re.compile(r"[0-9A-Za-z_-]{1,128}")


def verify(settings: Settings, args: Mapping[str, str]) -> Outcome:
    """The GET handshake WeChat sends when the URL is configured: echo echostr, as text.

    echostr is not covered by the signature, so it is echoed only with a valid, fresh
    signature, only when it is a plain token, and only as text/plain with nosniff: an
    XHTML `<script>` in it once ran on the console's origin.
    """
    if not (signature_ok(settings, args) and callback_guard.fresh(settings, args)):
        return Outcome(403, FORBIDDEN)
    echostr = args.get("echostr", "")
    if not ECHOSTR.fullmatch(echostr):
        return Outcome(400, "bad request", plain_text=True)
    return Outcome(200, echostr, plain_text=True)


def crypto_for(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(
        settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id
    )


def handle(settings: Settings, args: Mapping[str, str], body: bytes) -> Outcome:
    """A POSTed message in plain, compatible or safe mode, answered exactly once."""
    if not signature_ok(settings, args):
        log.warning("rejected a callback with a bad signature")
        return Outcome(403, FORBIDDEN)
    if not callback_guard.fresh(settings, args):
        log.warning("rejected a callback outside the time window (or without a nonce)")
        return Outcome(403, FORBIDDEN)
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    if not callback_guard.mode_allowed(settings, encrypted):
        log.warning("rejected a plain callback: safe mode is required")
        return Outcome(403, FORBIDDEN)
    try:
        xml = _decrypt(settings, args, body) if encrypted else decode_body(body)
        message = parse_message(xml)
    except InvalidSignatureException:
        log.warning("rejected a callback with a bad msg_signature")
        return Outcome(403, FORBIDDEN)
    except BadMessage as exc:
        log.info("rejected a callback body: %s", exc)
        return Outcome(400, "bad request")
    if not callback_guard.first_or_retry(settings, args, callback_guard.digest(xml)):
        log.warning("rejected a replayed signature carrying another message")
        return Outcome(403, FORBIDDEN)
    reply = answer(message, settings)
    body_out = render(reply, message)
    if encrypted and body_out != "success":
        body_out = crypto_for(settings).encrypt_message(
            body_out, args.get("nonce", ""), args.get("timestamp")
        )
    return Outcome(200, body_out, reply, message)


def _decrypt(settings: Settings, args: Mapping[str, str], body: bytes) -> str:
    """Safe mode: check msg_signature over the Encrypt field, then AES-decrypt it."""
    text = decode_body(body)
    fields = parse_xml(text)
    if not isinstance(fields.get("Encrypt"), str):
        raise BadMessage("safe mode without Encrypt")
    try:
        plain = crypto_for(settings).decrypt_message(
            fields, args.get("msg_signature", ""), args.get("timestamp", ""), args.get("nonce", "")
        )
    except InvalidSignatureException:
        raise
    except InvalidAppIdException as exc:
        raise InvalidSignatureException() from exc
    except (ValueError, TypeError, KeyError, IndexError, struct.error) as exc:
        raise BadMessage(f"cannot decrypt: {exc}") from exc
    return plain if isinstance(plain, str) else decode_body(plain)


TEXT_REPLY = (
    "<xml><ToUserName>{target}</ToUserName><FromUserName>{source}</FromUserName>"
    "<CreateTime>{time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content>{content}</Content></xml>"
)


def cdata(value: str) -> str:
    """`value` as CDATA; a "]]>" inside is split across two sections, so it cannot end one."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render(reply: Reply, message: Inbound) -> str:
    """The passive reply XML (addressed back to the sender), or "success".

    Text replies, nearly all of them, are one format string (wechatpy's reply objects
    build the same XML field by field); news replies use wechatpy's ArticlesReply.
    """
    if reply.silent:
        return "success"
    created = int(utcnow().timestamp())
    if reply.article is None:
        return TEXT_REPLY.format(
            target=cdata(message.from_user),
            source=cdata(message.to_user),
            time=created,
            content=cdata(reply.text or ""),
        )
    news = ArticlesReply(source=message.to_user, target=message.from_user, time=created)
    news.add_article(
        {
            "title": reply.article.title,
            "description": reply.article.description,
            "url": reply.article.url,
            "image": reply.article.image,
        }
    )
    return news.render()
