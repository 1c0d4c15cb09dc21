"""`/wechat`: the callback URL configured in WeChat's admin console. Thin: all in bot.gateway.

In the app `create_app` builds, `POST /wechat` is answered by
web.wechat.callback.CallbackFastPath before Flask sees it; this view is the route
`url_for` names and serves the same requests the same way (`callback.answer`) in an
app without that middleware.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from bot import gateway
from web.wechat import callback

bp = Blueprint("wechat", __name__)


def _respond(outcome: gateway.Outcome) -> Response:
    response = Response(outcome.body, status=outcome.status)
    for name, value in outcome.headers:
        response.headers[name] = value
    return response


@bp.get("/wechat")
def verify() -> Response:
    return _respond(gateway.verify(current_app.config["SETTINGS"], request.args))


@bp.post("/wechat")
def receive() -> Response:
    settings = current_app.config["SETTINGS"]
    return _respond(callback.answer(settings, request.args, request.content_length, request.stream))
