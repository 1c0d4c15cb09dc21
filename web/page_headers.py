"""Headers for the pages people and staff read: the console (`/console`) and the phone
pages (`/m/`). Both show personal data, so:

- never cached (`Cache-Control: no-store`): a shared phone or a proxy keeps no copy;
- never framed (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`): no clickjacking;
- `Referrer-Policy: same-origin`: addresses stay on this site;
- a Content-Security-Policy allowing this site's own scripts, styles and images only,
  plus, on phone pages, WeChat's JS-SDK (res.wx.qq.com) and WeChat's OAuth page as
  where a form may end up (a POST whose session ran out is sent to sign in again).
  Inline scripts run only with this response's nonce (`csp_nonce()` in templates);
  inline event handlers (`onclick="…"`) do not run at all: templates use data-
  attributes that static/console.js acts on. Inline styles are allowed: they cannot
  run code. Images come from this site only: the JS-SDK's own usage report (an image
  request to open.weixin.qq.com/sdk/report carrying the page's address) is blocked on
  purpose; the SDK works without it.

Set app-wide by path, not per blueprint, so error and fault pages get them too.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

MOBILE_PREFIX = "/m/"
CONSOLE_PREFIX = "/console"
WECHAT_JS_SDK = "https://res.wx.qq.com"
WECHAT_OAUTH = "https://open.weixin.qq.com"


def csp_nonce() -> str:
    """This response's nonce for inline <script> tags (one per request)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return str(nonce)


def content_security_policy(*, phone: bool) -> str:
    scripts = ["'self'", f"'nonce-{csp_nonce()}'"] + ([WECHAT_JS_SDK] if phone else [])
    forms = ["'self'"] + ([WECHAT_OAUTH] if phone else [])
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": forms,
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _private_page_headers(response: Response) -> Response:
    path = request.path
    phone = path.startswith(MOBILE_PREFIX)
    if not (phone or path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")):
        return response
    headers = response.headers
    headers.setdefault("Cache-Control", "no-store")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Content-Security-Policy", content_security_policy(phone=phone))
    return response


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_private_page_headers)
