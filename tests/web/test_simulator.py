"""The simulator page, its signing endpoint, the outbox feed, and that production has none."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bot import simulate
from bot.menu import MENU_FILE
from core.config import Settings
from core.wechat.models import OutboxMessage
from tests.wechat import reply_fields

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _menu_names() -> list[str]:
    buttons = json.loads(MENU_FILE.read_text(encoding="utf-8"))["button"]
    names = []
    for button in buttons:
        names.append(button["name"])
        names.extend(sub["name"] for sub in button.get("sub_button", []))
    return names


def _csrf_token(client: FlaskClient) -> str:
    page = client.get("/simulator")
    assert page.status_code == 200
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, "the page carries its CSRF token in a meta tag"
    return match.group(1)


def test_page_renders_the_menu_and_not_the_token(client: FlaskClient, settings: Settings) -> None:
    response = client.get("/simulator")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "嘉定退役军人就业服务（模拟器）" in html
    for name in _menu_names():
        assert name in html
    assert settings.wechat_token not in html
    assert "/wechat" in html
    assert "/simulator/sign" in html


def test_static_script_is_served_locally(client: FlaskClient) -> None:
    with client.get("/simulator/static/chat.js") as response:  # a file: closed when done
        assert response.status_code == 200
        assert "X-CSRFToken" in response.get_data(as_text=True)
    html = client.get("/simulator").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external assets (no internet)"


def test_signature_is_accepted_by_the_real_callback(
    client: FlaskClient, settings: Settings
) -> None:
    token = _csrf_token(client)
    response = client.post("/simulator/sign", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    args = response.get_json()
    assert set(args) == {"timestamp", "nonce", "signature"}
    assert args["signature"] == simulate.sign(
        settings.wechat_token, args["timestamp"], args["nonce"]
    )

    reply = client.post(
        "/wechat",
        query_string=args,
        data=simulate.text_xml("sim-signed", "帮助").encode("utf-8"),
        content_type="text/xml",
    )
    assert reply.status_code == 200
    assert "可以帮您" in reply_fields(reply)["Content"]


def test_signing_requires_the_csrf_token(client: FlaskClient) -> None:
    _csrf_token(client)  # a session exists, but the header is missing or wrong
    assert client.post("/simulator/sign").status_code == 400
    assert client.post("/simulator/sign", headers={"X-CSRFToken": "forged"}).status_code == 400
    fresh = FlaskClient(client.application)
    assert fresh.post("/simulator/sign", headers={"X-CSRFToken": "forged"}).status_code == 400


def test_outbox_returns_only_that_openids_rows_after_the_cursor(
    client: FlaskClient, db_session: Session
) -> None:
    rows = [
        OutboxMessage(openid="sim-a", content="第一条"),
        OutboxMessage(openid="sim-b", content="别人的"),
        OutboxMessage(openid="sim-a", content="第二条"),
        OutboxMessage(openid="sim-a", content="第三条"),
    ]
    db_session.add_all(rows)
    db_session.commit()
    first = rows[0].id

    data = client.get(f"/simulator/outbox?openid=sim-a&after={first}").get_json()
    assert [m["content"] for m in data["messages"]] == ["第二条", "第三条"]
    assert all(m["id"] > first for m in data["messages"])
    assert all(m["kind"] == "text" for m in data["messages"])

    everything = client.get("/simulator/outbox?openid=sim-a").get_json()["messages"]
    assert [m["content"] for m in everything] == ["第一条", "第二条", "第三条"]
    last = everything[-1]["id"]
    assert client.get(f"/simulator/outbox?openid=sim-a&after={last}").get_json() == {"messages": []}


def test_outbox_rejects_bad_parameters(client: FlaskClient) -> None:
    assert client.get("/simulator/outbox").status_code == 400
    assert client.get("/simulator/outbox?openid=sim-a&after=-1").status_code == 400
    assert client.get("/simulator/outbox?openid=sim-a&after=x").status_code == 400
    assert client.get("/simulator/outbox?openid=" + "x" * 65).status_code == 400


def _production_app(make_app: Callable[..., Flask], settings: Settings) -> Flask:
    """Production settings that pass `production_problems`: no dev secrets anywhere."""
    return make_app(
        env="production",
        secret_key="prod-secret-key-for-tests-only-0123456789",
        wechat_token="prod-token-for-tests",
        wechat_app_id="wx-prod-test",
        wechat_app_secret="prod-app-secret-0123456789abcdefg",
        wechat_encoding_aes_key="Z" * 43,
        database_url=settings.sqlalchemy_url,
        redis_url="redis://127.0.0.1:6379/0",
        public_base_url="https://bot.example.cn",
    )


def test_everything_is_404_in_production(
    make_app: Callable[..., Flask], settings: Settings
) -> None:
    client = _production_app(make_app, settings).test_client()
    assert client.get("/simulator").status_code == 404
    assert client.get("/simulator/static/chat.js").status_code == 404
    assert client.get("/simulator/outbox?openid=sim-a&after=0").status_code == 404
    # 404, not a CSRF 400: the production gate runs before anything else.
    assert client.post("/simulator/sign").status_code == 404
    assert client.post("/simulator/sign", headers={"X-CSRFToken": "x"}).status_code == 404
