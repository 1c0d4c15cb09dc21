"""`/m/subscriptions`: the same choices as the chat's `订阅` flow, for the person on the page.

Only the signed-in person's own row is read or written (identity.require_person); a bad
value (a town that does not exist, from an edited form) is refused with the form kept.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.booking.models import TOWNS
from core.db import db
from core.jobs import subscriptions
from core.jobs.models import INDUSTRIES
from core.jobs.subscriptions import Choices, SubscriptionError
from web.mobile import bp
from web.mobile.identity import require_person


def _form_choices() -> Choices:
    form = request.form
    return Choices(
        jobs=form.get("jobs") == "1",
        towns=form.getlist("town"),
        industries=form.getlist("industry"),
        events=form.get("events") == "1",
        policy_news=form.get("policy_news") == "1",
        digest=form.get("digest") == "1",
    )


def _render(wanted: Choices, problem: str = "", status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "mobile/subscriptions.html",
        wanted=wanted,
        towns=TOWNS,
        industries=INDUSTRIES,
        problem=problem,
        summary=subscriptions.describe(subscriptions.get(db.session(), g.person)),
    )
    return page, status


@bp.get("/subscriptions")
@require_person
def my_subscriptions() -> ResponseReturnValue:
    return _render(subscriptions.choices_of(subscriptions.get(db.session(), g.person)))


@bp.post("/subscriptions")
@require_person
def save_subscriptions() -> ResponseReturnValue:
    session, wanted = db.session(), _form_choices()
    try:
        subscriptions.update(session, g.person, wanted)
    except SubscriptionError as exc:
        session.rollback()
        return _render(wanted, exc.message + "请重新选择。", 400)
    session.commit()
    flash("订阅已保存。", "done")
    return redirect(url_for("mobile.my_subscriptions"))


@bp.get("/subscriptions/stop")
@require_person
def stop_subscriptions_confirm() -> ResponseReturnValue:
    """Stopping everything is asked once more on its own page (no script needed)."""
    return render_template(
        "mobile/subscriptions_stop.html",
        summary=subscriptions.describe(subscriptions.get(db.session(), g.person)),
    )


@bp.post("/subscriptions/stop")
@require_person
def stop_subscriptions() -> ResponseReturnValue:
    """Only the confirmation page's form (with `confirm=yes`) stops anything; any other
    post (an old page's one-tap button, a stray form) is shown the question first."""
    if request.form.get("confirm") != "yes":
        return redirect(url_for("mobile.stop_subscriptions_confirm"))
    session = db.session()
    subscriptions.unsubscribe_all(session, g.person)
    session.commit()
    flash("已退订全部消息，今后不会再收到推送。", "done")
    return redirect(url_for("mobile.my_subscriptions"))
