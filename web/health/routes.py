"""`/healthz`: whether the database and Redis answer, for load balancers and people."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.cache import cache
from core.db import db
from scheduler.jobs import HEARTBEAT_KEY

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        current_app.logger.warning("health: database unreachable: %s", exc)
        database = "unreachable"
    redis_state = "ok" if cache.ping() else "unreachable"
    heartbeat = cache.get(cache.key(*HEARTBEAT_KEY)) if redis_state == "ok" else None
    healthy = database == "ok"
    body = {
        "status": "ok" if healthy and redis_state == "ok" else ("degraded" if healthy else "down"),
        "database": database,
        "redis": redis_state,
        "redis_mode": "embedded" if settings.embedded_redis else "server",
        "scheduler_last_seen": heartbeat,
    }
    return jsonify(body), 200 if healthy else 503
