"""Phone pages linked from the chat (`/m/...`)."""

from flask import Blueprint

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="templates")

# The modules register their views on bp.
from web.mobile import booking_routes, identity, routes, station_routes  # noqa: E402, F401
