"""`/console/understanding`: the messages the bot misread, and teaching it what they meant.

District admins see each misread wording with the intent the bot chose (and how sure it
was); choosing the intent it should have been and pressing "加为说法" teaches it — two
clicks, live in every process within seconds. Views stay thin: core.nlu.curation works.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from core.db import db
from core.nlu import curation
from core.nlu.intents import INTENTS
from web.console import bp
from web.console.auth import admin_required
from web.console.faq_routes import DAY_CHOICES, DEFAULT_DAYS, parse_days
from web.console.forms import _Choice, _strip


class TeachForm(FlaskForm):
    """The "加为说法" button: the message's words go to the chosen intent."""

    text = HiddenField(filters=[_strip])
    intent = SelectField(choices=[_Choice(k, v) for k, v in INTENTS.items()], validate_choice=False)
    days = HiddenField()


@bp.get("/understanding")
@admin_required
def understanding_misread() -> ResponseReturnValue:
    """Misread wordings, alike ones together, most frequent first."""
    days = parse_days(request.args.get("days"))
    return render_template(
        "console/understanding.html",
        groups=curation.misread(db.session(), days),
        days=days,
        day_choices=DAY_CHOICES,
        intents=INTENTS,
        low=curation.LOW_CONFIDENCE,
    )


@bp.post("/understanding/teach")
@admin_required
def understanding_teach() -> ResponseReturnValue:
    form = TeachForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(url_for("console.understanding_misread", days=parse_days(form.days.data)))
    text, intent = form.text.data or "", form.intent.data or ""
    try:
        curation.add_phrasing(db.session(), text, intent, g.staff.username)
        db.session.commit()
    except curation.PhrasingError as exc:
        db.session.rollback()
        flash(f"未能加入：{exc}", "error")
        return back
    flash(f"已将“{text}”加为“{INTENTS[intent]}”的说法，机器人几秒内生效。", "success")
    return back


__all__ = ["DEFAULT_DAYS", "TeachForm"]
