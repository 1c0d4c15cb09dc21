"""Signed links from the chat to the phone pages, so a page knows who is asking.

In production WeChat's OAuth (snsapi_base) identifies the person on the page; a signed,
expiring link works everywhere (the simulator, embedded mode) and is what the chat sends.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.config import Settings

LINK_MAX_AGE_SECONDS = 7 * 24 * 3600
_SALT = "vetbot.person-link"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SALT)


def person_token(settings: Settings, openid: str) -> str:
    return _serializer(settings).dumps(openid)


def openid_from_token(settings: Settings, token: str) -> str | None:
    """The openid a token was made for, or None if it is forged or expired."""
    found = read_person_token(settings, token)
    return None if found is None else found[0]


def read_person_token(settings: Settings, token: str) -> tuple[str, int] | None:
    """(openid, when the link stops working, in epoch seconds), or None if it is forged or
    expired. A page that takes the link keeps its identity no longer than the link."""
    try:
        value, signed_at = _serializer(settings).loads(
            token, max_age=LINK_MAX_AGE_SECONDS, return_timestamp=True
        )
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(value, str) or not value:
        return None
    return value, int(signed_at.timestamp()) + LINK_MAX_AGE_SECONDS


def page_url(settings: Settings, path: str, openid: str | None = None, **params: object) -> str:
    """An absolute page URL; with `openid`, signed so the page can act for that person."""
    query = {k: v for k, v in params.items() if v is not None}
    if openid:
        query["t"] = person_token(settings, openid)
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{settings.public_base_url}{path}{suffix}"


_ICS_SALT = "vetbot.booking-ics"


def booking_ics_token(settings: Settings, booking_code: str) -> str:
    """Calendar apps fetch the .ics without a session: the link itself is the key."""
    return URLSafeTimedSerializer(settings.secret_key, salt=_ICS_SALT).dumps(booking_code)


def booking_code_from_ics_token(settings: Settings, token: str) -> str | None:
    try:
        value = URLSafeTimedSerializer(settings.secret_key, salt=_ICS_SALT).loads(
            token, max_age=90 * 24 * 3600
        )
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, str) else None


def booking_ics_url(settings: Settings, booking_code: str) -> str:
    return f"{settings.public_base_url}/m/ics/{booking_ics_token(settings, booking_code)}.ics"


def anchor(url: str, text: str) -> str:
    """A link inside a text message, as WeChat shows it: `<a href="…">text</a>`, the long
    signed address hidden behind a few words the person can tap.

    The address goes in as it is (WeChat's client reads `&` in a query literally; our
    addresses are built with urlencode, so they hold no quote or bracket to escape)."""
    if any(ch in url for ch in '"<>'):
        raise ValueError(f"not a link WeChat can show: {url!r}")
    return f'<a href="{url}">{escape(text, quote=False)}</a>'
