"""`/m/events`: upcoming job fairs and other events, one page per event, signing up and
withdrawing.

Reading is public; signing up and withdrawing act for the person on the page
(identity.require_person, as the booking pages), and a withdrawal only ever finds the
person's own sign-up, so nobody can cancel someone else's place.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core import timeutil
from core.booking.models import TOWNS
from core.db import db
from core.jobs import events
from core.jobs.events import EventError
from core.people import people
from core.people.models import Person
from web.mobile import bp, event_pages
from web.mobile.identity import current_openid, oauth_available, open_from_chat, require_person


def _viewer() -> Person | None:
    openid = current_openid()
    return people.get_person(db.session(), openid) if openid else None


def _missing() -> ResponseReturnValue:
    return render_template("mobile/events_missing.html"), 404


@bp.get("/events")
def events_index() -> ResponseReturnValue:
    session, now, person = db.session(), timeutil.utcnow(), _viewer()
    town = request.args.get("town", "")
    town = town if town in TOWNS else ""  # an edited address shows every town
    return render_template(
        "mobile/events.html",
        cards=event_pages.upcoming_cards(session, person, now, town),
        mine=event_pages.my_cards(session, person, now),
        towns=TOWNS,
        town=town,
    )


@bp.get("/events/<int:event_id>")
def event_page(event_id: int) -> ResponseReturnValue:
    session = db.session()
    event = events.get_event(session, event_id)
    if event is None:
        return _missing()
    card = event_pages.detail_card(session, event, _viewer(), timeutil.utcnow())
    # Without a person on the page (and no WeChat sign-in to send them through), a
    # 我要报名 button would only lead to "open this from the chat": say how up front.
    signed_in = current_openid() is not None or oauth_available(current_app.config["SETTINGS"])
    return render_template(
        "mobile/events_detail.html",
        card=card,
        signed_in=signed_in,
        how=open_from_chat("mobile.event_signup"),
    )


@bp.post("/events/<int:event_id>/signup")
@require_person
def event_signup(event_id: int) -> ResponseReturnValue:
    session = db.session()
    event = events.get_event(session, event_id)
    if event is None:
        return _missing()
    try:
        events.sign_up(session, g.person, event, timeutil.utcnow())
    except EventError as exc:
        session.rollback()
        flash(exc.message, "problem")
    else:
        session.commit()
        flash("报名成功！", "done")
    return redirect(url_for("mobile.event_page", event_id=event_id))


@bp.post("/events/<int:event_id>/withdraw")
@require_person
def event_withdraw(event_id: int) -> ResponseReturnValue:
    session = db.session()
    event = events.get_event(session, event_id)
    if event is None:
        return _missing()
    signup = events.active_signup(session, g.person, event)
    if signup is None:
        flash("您没有报名这个活动。", "problem")
        return redirect(url_for("mobile.event_page", event_id=event_id))
    try:
        events.withdraw(session, signup, timeutil.utcnow())
    except EventError as exc:
        session.rollback()
        flash(exc.message, "problem")
    else:
        session.commit()
        flash("已取消报名，名额已释放。", "done")
    return redirect(url_for("mobile.event_page", event_id=event_id))
