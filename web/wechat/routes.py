"""`/wechat`: the callback URL configured in WeChat's admin console. Thin: all in bot.gateway."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from bot import gateway

bp = Blueprint("wechat", __name__)


def _respond(outcome: gateway.Outcome) -> Response:
    return Response(outcome.body, status=outcome.status, content_type=outcome.content_type)


@bp.get("/wechat")
def verify() -> Response:
    return _respond(gateway.verify(current_app.config["SETTINGS"], request.args))


@bp.post("/wechat")
def receive() -> Response:
    settings = current_app.config["SETTINGS"]
    if (request.content_length or 0) > settings.max_body_bytes:
        return Response("payload too large", status=413, content_type="text/plain")
    body = request.stream.read(settings.max_body_bytes + 1)
    if len(body) > settings.max_body_bytes:
        return Response("payload too large", status=413, content_type="text/plain")
    return _respond(gateway.handle(settings, request.args, body))
