"""Phone pages linked from the chat (`/m/...`)."""

from flask import Blueprint

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="templates")

# The modules register their views on bp.
from web.mobile import (  # noqa: E402, F401
    booking_routes,
    event_routes,
    home_routes,
    identity,
    job_routes,
    privacy_routes,
    routes,
    station_routes,
    subscription_routes,
)
