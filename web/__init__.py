"""The Flask application: WeChat callback, simulator, mobile pages, staff console."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from core.bootstrap import init_core
from core.config import Settings, check_production, load_settings
from web.wechat.callback import CallbackFastPath

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; `settings` defaults to the environment's (tests pass their own)."""
    settings = settings or load_settings()
    check_production(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # One form field may hold a whole CSV file (the station import's confirming press
        # sends it back), so a bit more than the CSV cap, which then refuses it in Chinese.
        MAX_FORM_MEMORY_SIZE=max(500_000, settings.csv_max_bytes + 64 * 1024),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    from web.mobile.identity import IdentitySessionInterface

    app.session_interface = IdentitySessionInterface()
    init_core(settings)
    csrf.init_app(app)

    from core.db import db

    app.teardown_appcontext(db.remove)
    _register_blueprints(app)
    from web import errors, page_headers

    errors.register(app)
    page_headers.register(app)
    if settings.proxy_count:
        # Real client addresses behind nginx, so login throttling is per visitor.
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    # WeChat's callback, the hot path, skips Flask's per-request machinery.
    app.wsgi_app = CallbackFastPath(app.wsgi_app, settings)  # type: ignore[method-assign]
    return app


def _register_blueprints(app: Flask) -> None:
    from web.console import bp as console_bp
    from web.health.routes import bp as health_bp
    from web.home import bp as home_bp
    from web.mobile import bp as mobile_bp
    from web.simulator import bp as simulator_bp
    from web.wechat.routes import bp as wechat_bp

    csrf.exempt(wechat_bp)
    for bp in (wechat_bp, health_bp, simulator_bp, console_bp, mobile_bp, home_bp):
        app.register_blueprint(bp)
