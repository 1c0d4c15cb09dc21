"""The baseline: the least a WeChat callback endpoint can do, with the same libraries.

Flask + wechatpy only: check the signature, parse with ``wechatpy.parse_message``,
echo the text back as a ``TextReply``. No database, no Redis, no router. Served by
gunicorn exactly like vetbot, it measures what the framework, the server and the
protocol cost on this machine, so ``vetbot / baseline`` isolates vetbot's own work.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "vetbot-dev-token")

app = Flask(__name__)


def _signed() -> bool:
    try:
        check_signature(
            TOKEN,
            request.args.get("signature", ""),
            request.args.get("timestamp", ""),
            request.args.get("nonce", ""),
        )
    except InvalidSignatureException:
        return False
    return True


@app.get("/wechat")
def verify() -> Response:
    """The URL handshake, so the readiness probe can use the same request for both servers."""
    if not _signed():
        return Response("forbidden", status=403, content_type="text/plain")
    return Response(request.args.get("echostr", ""), content_type="text/plain")


@app.post("/wechat")
def receive() -> Response:
    if not _signed():
        return Response("forbidden", status=403, content_type="text/plain")
    message = parse_message(request.get_data())
    content = getattr(message, "content", None) or message.type
    reply = TextReply(content=content, message=message)
    return Response(reply.render(), content_type="application/xml; charset=utf-8")
