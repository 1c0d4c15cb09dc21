"""Parse WeChat's callback XML into one typed message, refusing anything unsafe.

We refuse any DTD (so no entity can be declared, let alone expanded or fetched),
require strict UTF-8, a bounded nesting depth and the mandatory fields, so a hostile
or broken body is a 400 and never an exception further in.

Every field is bounded here, before anything is written (docs/security/gateway.md): an
identifier longer than its column (openid, MsgId, MsgType, Event, CreateTime) is a 400;
free text is cut (a text or voice message at `MAX_TEXT_BYTES`, marked `too_long`, so
no matcher ever reads 60 kB); a long EventKey (a VIEW event's URL) is hashed into the
dedup key. One oversized field once failed a whole batch of other people's log rows.

The parser is the standard library's ElementTree (expat, with the tree built in C):
for a callback it is three times cheaper than xmltodict's Python callbacks, and with
DTDs refused before parsing it has nothing left to expand or resolve.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
# What WeChat counts as the person reaching out, opening the 48-hour customer-service
# window: any message they send, a follow, a QR scan, and these menu events.
WINDOW_EVENTS = frozenset({"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"})


# Bounds. person.openid is 64 characters (WeChat's openids are 28); message_log.msg_type
# is 40 ("event:" + the event); the dedup key is at most 200 (see `Inbound.dedup_key`).
MAX_OPENID = 64
MAX_MSG_ID = 64
MAX_NAME = 32  # MsgType, Event
MAX_CREATE_TIME = 10**12  # Unix seconds: 12 digits at most
MAX_FIELD = 1024  # EventKey, Url, Title, Label: WeChat's menu URLs are at most 1024 bytes
# A text or voice message is read up to this many UTF-8 bytes (about 680 Chinese
# characters): the length DESIGN.md gives for a text message WeChat shows in full (it cuts
# longer replies), so nothing a person can read back in the chat is longer.
MAX_TEXT_BYTES = 2048
# An EventKey longer than this goes into the dedup key as its SHA-1.
MAX_KEY_IN_DEDUP = 64


class BadMessage(ValueError):
    """The body is not a message we can safely read; the gateway answers 400."""


@dataclass(frozen=True)
class Inbound:
    to_user: str
    from_user: str
    create_time: int
    msg_type: str  # text, voice, image, video, shortvideo, location, link, file, event, ...
    msg_id: str | None = None
    content: str = ""
    recognition: str = ""
    event: str = ""  # lower case: subscribe, unsubscribe, scan, location, click, view
    event_key: str = ""
    latitude: float | None = None
    longitude: float | None = None
    precision: float | None = None
    label: str = ""
    title: str = ""
    url: str = ""
    # (template id, "accept" / "reject") from subscribe-message pop-up and change events.
    consent_changes: tuple[tuple[str, str], ...] = ()
    # The text (or recognition) was over MAX_TEXT_BYTES and has been cut: not for matching.
    too_long: bool = False

    @property
    def kind(self) -> str:
        """`text`, `voice`…, or `event:subscribe` for events: what the log and router use."""
        return f"event:{self.event}" if self.msg_type == "event" else self.msg_type

    @property
    def opens_service_window(self) -> bool:
        return self.msg_type != "event" or self.event in WINDOW_EVENTS

    @property
    def dedup_key(self) -> str:
        """WeChat's retry identity: MsgId for messages; user+time+event(+key) for events."""
        if self.msg_type != "event" and self.msg_id:
            return f"msg:{self.msg_id}"
        key = self.event_key
        if len(key) > MAX_KEY_IN_DEDUP:  # a VIEW event's URL: its digest (40 characters)
            key = hashlib.sha1(key.encode("utf-8")).hexdigest()
        # At most 4 + 64 + 1 + 12 + 1 + 32 + 1 + 64 = 179 characters: inside the column.
        return f"evt:{self.from_user}:{self.create_time}:{self.event}:{key}"

    @property
    def qr_scene(self) -> str | None:
        """The scene of a parametric QR code (EventKey "qrscene_123" on subscribe)."""
        if self.event == "subscribe" and self.event_key.startswith("qrscene_"):
            return self.event_key[len("qrscene_") :]
        if self.event == "scan" and self.event_key:
            return self.event_key
        return None


def decode_body(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadMessage("body is not UTF-8") from exc
    return refuse_dtd(text)


def refuse_dtd(text: str) -> str:
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise BadMessage("DTDs and entities are not accepted")
    return text


# WeChat's deepest callback (SendPicsInfo > PicList > item > PicMd5Sum) is 4 below <xml>.
MAX_DEPTH = 8


def parse_xml(text: str) -> dict[str, Any]:
    """The <xml> element as a dict: a leaf is its text (None when empty), an element with
    children a dict of them, a repeated child a list — the shapes xmltodict gives."""
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError) as exc:
        raise BadMessage(f"malformed XML: {exc}") from exc
    if root.tag != "xml" or len(root) == 0:
        raise BadMessage("no <xml> root element")
    fields = _children(root, 1)
    assert isinstance(fields, dict)
    return fields


def _children(element: ET.Element, depth: int) -> dict[str, Any] | str | None:
    if len(element) == 0:
        return element.text
    if depth > MAX_DEPTH:
        raise BadMessage("XML nested too deeply")
    out: dict[str, Any] = {}
    for child in element:
        value = _children(child, depth + 1)
        if child.tag not in out:
            out[child.tag] = value
        elif isinstance(out[child.tag], list):
            out[child.tag].append(value)
        else:
            out[child.tag] = [out[child.tag], value]
    return out


def _float(value: Any) -> float | None:
    if value is None:  # the common case (no such field): no exception to raise and catch
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bounded(fields: dict[str, Any], name: str, limit: int) -> str:
    """An identifier: longer than its column is not WeChat's, so the message is refused."""
    value = _text(fields.get(name))
    if len(value) > limit:
        raise BadMessage(f"{name} longer than {limit} characters")
    return value


def _cut(fields: dict[str, Any], name: str, limit: int = MAX_FIELD) -> str:
    """Free text kept to `limit` characters."""
    return _text(fields.get(name))[:limit]


def capped_text(value: str) -> tuple[str, bool]:
    """`value` cut to MAX_TEXT_BYTES of UTF-8 (on a character), and whether it was cut."""
    if len(value) * 4 <= MAX_TEXT_BYTES:  # the common case: short, nothing to encode
        return value, False
    data = value.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return value, False
    return data[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore"), True


CONSENT_BLOCKS = ("SubscribeMsgPopupEvent", "SubscribeMsgChangeEvent")


def _consent_changes(fields: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The template decisions in a subscribe-message event; malformed items are dropped.

    WeChat sends one <List> per template, which xmltodict gives as a dict, or a list of
    dicts when there are several.
    """
    changes: list[tuple[str, str]] = []
    for block_name in CONSENT_BLOCKS:
        block = fields.get(block_name)
        items = block.get("List") if isinstance(block, dict) else None
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, dict):
                continue
            template = _text(item.get("TemplateId"))
            status = _text(item.get("SubscribeStatusString")).lower()
            if template and status in ("accept", "reject"):
                changes.append((template, status))
    return tuple(changes)


def to_inbound(fields: dict[str, Any]) -> Inbound:
    """Build the typed message; missing or ill-typed mandatory fields are a BadMessage."""
    missing = [name for name in REQUIRED if not _text(fields.get(name))]
    if missing:
        raise BadMessage("missing fields: " + ", ".join(missing))
    try:
        create_time = int(_text(fields["CreateTime"]))
    except ValueError as exc:
        raise BadMessage("CreateTime is not a number") from exc
    if not 0 <= create_time < MAX_CREATE_TIME:
        raise BadMessage("CreateTime out of range")
    msg_type = _bounded(fields, "MsgType", MAX_NAME).lower()
    event = _bounded(fields, "Event", MAX_NAME).lower()
    if msg_type == "event" and not event:
        raise BadMessage("event without Event")
    if msg_type == "text" and "Content" not in fields:
        raise BadMessage("text message without Content")
    lat = fields.get("Location_X") if msg_type == "location" else fields.get("Latitude")
    lon = fields.get("Location_Y") if msg_type == "location" else fields.get("Longitude")
    content, content_cut = capped_text(_text(fields.get("Content")))
    recognition, recognition_cut = capped_text(_text(fields.get("Recognition")))
    return Inbound(
        to_user=_bounded(fields, "ToUserName", MAX_OPENID),
        from_user=_bounded(fields, "FromUserName", MAX_OPENID),
        create_time=create_time,
        msg_type=msg_type,
        msg_id=_bounded(fields, "MsgId", MAX_MSG_ID) or None,
        content=content,
        recognition=recognition,
        event=event,
        event_key=_cut(fields, "EventKey"),
        latitude=_float(lat),
        longitude=_float(lon),
        precision=_float(fields.get("Precision")),
        label=_cut(fields, "Label"),
        title=_cut(fields, "Title"),
        url=_cut(fields, "Url"),
        consent_changes=_consent_changes(fields) if msg_type == "event" else (),
        too_long=content_cut or recognition_cut,
    )


def parse_message(body: bytes | str) -> Inbound:
    text = decode_body(body) if isinstance(body, bytes) else refuse_dtd(body)
    return to_inbound(parse_xml(text))
