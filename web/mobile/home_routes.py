"""`/m/`: the phone pages' front page, so the bare address leads somewhere useful.

Links only, no personal data: the pages that act for one person (bookings,
subscriptions) explain there how to open them from the chat.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from web.mobile import bp


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("mobile/home.html")
