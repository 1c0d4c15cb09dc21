"""`/`: the front door. A newcomer who opens the address `vetbot serve` printed finds
what there is to open (the chat simulator, the staff console, the phone pages) instead
of a bare "Not Found"; the site's own Chinese refusal page lives here too.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from core.config import Settings

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Links only: the simulator is offered only where it exists (never in production)."""
    settings: Settings = current_app.config["SETTINGS"]
    return render_template("home/index.html", simulator=settings.simulator_enabled)
