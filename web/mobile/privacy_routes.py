"""`/m/privacy` (the privacy notice, public) and `/m/mydata` (what is kept about the
signed-in person, opened from the chat's `我的信息` link).

Both render core.people.privacy, the one place the notice and the summary are written.
"""

from __future__ import annotations

from flask import current_app, g, render_template
from flask.typing import ResponseReturnValue

from core.config import Settings
from core.db import db
from core.people import privacy
from web.mobile import bp
from web.mobile.identity import require_person


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


@bp.get("/privacy")
def privacy_notice() -> ResponseReturnValue:
    return render_template(
        "mobile/privacy.html",
        title=privacy.NOTICE_TITLE,
        intro=privacy.notice_intro(),
        sections=privacy.notice_sections(_settings()),
    )


@bp.get("/mydata")
@require_person
def my_data() -> ResponseReturnValue:
    data = privacy.personal_data(db.session(), _settings(), g.person)
    return render_template("mobile/mydata.html", data=data)
