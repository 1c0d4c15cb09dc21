"""Post signed WeChat callbacks to the test client, as WeChat would."""

from __future__ import annotations

import xmltodict
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot import simulate
from core.cache import cache
from core.chatlog.activity_log import activity_writer
from core.config import Settings


def post(
    client: FlaskClient, settings: Settings, xml: str | bytes, **extra_args: str
) -> TestResponse:
    args = simulate.signed_args(settings)
    args.update(extra_args)
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    response = client.post("/wechat", query_string=args, data=body, content_type="text/xml")
    # Log rows and the reply kept for retries are written in the background; tests read
    # them next.
    activity_writer.flush()
    cache.deferred.flush()
    return response


def reply_fields(response: TestResponse) -> dict[str, str]:
    """The reply XML as a dict ({} for "success" or an empty body)."""
    text = response.get_data(as_text=True)
    if not text.startswith("<"):
        return {}
    return dict(xmltodict.parse(text)["xml"])


def say(client: FlaskClient, settings: Settings, openid: str, text: str) -> str:
    """Send a text and return the reply's Content ("" when nothing is shown)."""
    response = post(client, settings, simulate.text_xml(openid, text))
    assert response.status_code == 200, response.get_data(as_text=True)
    return reply_fields(response).get("Content", "")
