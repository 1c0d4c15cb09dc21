"""Frame, content-security, referrer and cache headers on the console and the phone pages
(issue 16, item 9): `/m/` pages sent none."""

from __future__ import annotations

import re

import pytest

from core.wechat import links
from tests.web.test_console import login_as

PERSONAL = ["/m/bookings", "/m/subscriptions", "/m/book?station=1"]
PUBLIC = ["/m/faq", "/m/stations", "/m/jobs", "/m/events"]


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [p.strip().split(" ", 1) for p in policy.split(";") if p.strip()]
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _check(response) -> dict[str, str]:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    csp = _directives(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    return csp


@pytest.mark.parametrize("url", PERSONAL + PUBLIC)
def test_phone_pages_cannot_be_framed_cached_or_given_foreign_scripts(client, settings, url):
    client.get(f"/m/bookings?t={links.person_token(settings, 'o-headers')}")
    response = client.get(url)
    assert response.status_code in (200, 404), url
    csp = _check(response)
    assert csp["form-action"] == "'self' https://open.weixin.qq.com"  # OAuth after a POST


def test_the_refusal_and_error_pages_have_them_too(client):
    for response in (client.get("/m/bookings"), client.get("/m/nothing-here")):
        _check(response)


def test_the_wechat_js_sdk_is_the_only_foreign_script(client):
    csp = _check(client.get("/m/stations"))
    sources = set(csp["script-src"].split())
    foreign = {s for s in sources if s.startswith("https:")}
    assert foreign == {"https://res.wx.qq.com"}


@pytest.mark.parametrize(
    "url", ["/console/", "/console/inbox", "/console/broadcasts/new", "/console/login"]
)
def test_console_pages_have_them(client, factories, url):
    if url != "/console/login":
        login_as(client, factories)
    csp = _check(client.get(url))
    assert csp["form-action"] == "'self'"
    assert csp["script-src"].split()[0] == "'self'"


def test_inline_scripts_carry_the_responses_nonce(client, factories):
    """The console's few inline scripts run because they carry this response's nonce."""
    login_as(client, factories)
    url = "/console/faq/new"  # its live character count is an inline script
    response = client.get(url)
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", _check(response)["script-src"])
    assert nonce
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts, "the page has an inline script"
    assert all(f'nonce="{nonce.group(1)}"' in attrs for attrs in scripts)
    assert (
        client.get(url).headers["Content-Security-Policy"]
        != response.headers["Content-Security-Policy"]
    )  # a new nonce each time


def test_no_inline_event_handlers_left_in_console_or_phone_templates():
    """`onsubmit="…"` and the like are inline script: the policy blocks them."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "web"
    handlers = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(root))
        for folder in ("console/templates", "mobile/templates")
        for path in (root / folder).rglob("*.html")
        if handlers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
