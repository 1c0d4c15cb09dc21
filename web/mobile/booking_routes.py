"""`/m/book`, `/m/bookings`, `/m/ics/<token>.ics`: booking a visit on the phone, seeing,
moving and cancelling one's own bookings, and a calendar file.

Every booking is looked up through `booking.find_for_person` with the signed-in person,
so a code someone else guessed or shared is simply "not found". A page booking or
cancellation also sends the usual notice, because the chat did not see it happen.
"""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from core import timeutil
from core.booking import booking, stations
from core.booking.booking import BookingError
from core.booking.models import ACTIVE, Booking, Station
from core.config import Settings
from core.db import db
from core.wechat import links, notify
from web.mobile import bp
from web.mobile.booking_pages import (
    book_page,
    booking_by_code,
    booking_card,
    choices,
    ics_bytes,
    parse_day,
    parse_int,
    parse_time,
    split_bookings,
    starts_at,
)
from web.mobile.identity import require_person

CANCEL_REASONS = ("时间有变", "事情已经办好", "不需要了", "其他原因")
BAD_CHOICE = "请重新选择办理事项和时间。"
NOT_RESCHEDULABLE = "该预约已取消或已办理，无法改约。"


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def _missing_booking() -> ResponseReturnValue:
    return render_template("mobile/bookings_missing.html"), 404


def _missing_station() -> ResponseReturnValue:
    return render_template("mobile/stations_missing.html"), 404


def _bookable_station(station_id: int | None) -> Station | None:
    station = stations.get_station(db.session(), station_id) if station_id else None
    return station if station is not None and station.is_active else None


def _own_booking(code: str | None) -> Booking | None:
    return booking.find_for_person(db.session(), g.person, code) if code else None


@bp.get("/book")
def book() -> ResponseReturnValue:
    """No station chosen yet (a general "预约" link from the chat): pick one first."""
    if not request.args.get("station") and not request.args.get("reschedule"):
        return redirect(url_for("mobile.stations_index"))
    return _book_form()


@require_person
def _book_form() -> ResponseReturnValue:
    session, args = db.session(), request.args
    old = _own_booking(args.get("reschedule"))
    if args.get("reschedule"):
        if old is None:
            return _missing_booking()
        if old.status != ACTIVE:
            flash(NOT_RESCHEDULABLE, "problem")
            return redirect(url_for("mobile.my_bookings"))
        station: Station | None = old.station
    else:
        station = _bookable_station(parse_int(args.get("station")))
    if station is None:
        return _missing_station()
    page = book_page(
        session,
        station,
        timeutil.utcnow(),
        service_no=parse_int(args.get("service")) or (old.service if old else None),
        day=parse_day(args.get("day")),
        at=parse_time(args.get("time")),
        reschedule=old,
    )
    session.commit()  # slot rows are created the first time anyone looks at a day
    return render_template("mobile/book.html", page=page)


@bp.post("/book")
@require_person
def book_submit() -> ResponseReturnValue:
    """Book (or move a booking to) the confirmed slot; on refusal, say why and offer others."""
    session, form, now = db.session(), request.form, timeutil.utcnow()
    old = _own_booking(form.get("reschedule"))
    if form.get("reschedule") and old is None:
        return _missing_booking()
    station = old.station if old else _bookable_station(parse_int(form.get("station")))
    if station is None:
        return _missing_station()
    service_no = parse_int(form.get("service"))
    day, at = parse_day(form.get("day")), parse_time(form.get("time"))
    problem, alternatives = BAD_CHOICE, []
    if service_no is not None and day is not None and at is not None:
        try:
            if old is not None:
                made = booking.reschedule(session, old, starts_at(day, at), service_no, now)
            else:
                made = booking.book(session, g.person, station, starts_at(day, at), service_no, now)
        except BookingError as exc:
            session.rollback()
            problem, alternatives = exc.message, choices(exc.alternatives)
        else:
            session.commit()
            notify.notify_booking(session, _settings(), made, "changed" if old else "confirmed")
            session.commit()
            flash("改约成功" if old else "预约成功", "done")
            return redirect(url_for("mobile.booking_detail", code=made.code))
    page = book_page(session, station, now, service_no=service_no, day=day, reschedule=old)
    page.problem, page.alternatives = problem, alternatives
    session.commit()
    return render_template("mobile/book.html", page=page)


@bp.get("/bookings")
@require_person
def my_bookings() -> ResponseReturnValue:
    mine = booking.bookings_of(db.session(), g.person, include_past=True)
    upcoming, rest = split_bookings(_settings(), mine, timeutil.utcnow())
    return render_template(
        "mobile/bookings.html", upcoming=upcoming, rest=rest, reasons=CANCEL_REASONS
    )


@bp.get("/bookings/<code>")
@require_person
def booking_detail(code: str) -> ResponseReturnValue:
    found = _own_booking(code)
    if found is None:
        return _missing_booking()
    card = booking_card(_settings(), found, timeutil.utcnow())
    return render_template("mobile/bookings_detail.html", card=card, reasons=CANCEL_REASONS)


def _cancel_reason() -> str:
    choice = request.form.get("reason", "")
    choice = choice if choice in CANCEL_REASONS else ""
    extra = request.form.get("reason_text", "").strip()[:100]
    return "：".join(part for part in (choice, extra) if part)


@bp.post("/bookings/<code>/cancel")
@require_person
def booking_cancel(code: str) -> ResponseReturnValue:
    session = db.session()
    found = _own_booking(code)
    if found is None:
        return _missing_booking()
    try:
        booking.cancel(session, found, by="person", reason=_cancel_reason(), now=timeutil.utcnow())
    except BookingError as exc:
        session.rollback()
        flash(exc.message, "problem")
        return redirect(url_for("mobile.my_bookings"))
    session.commit()
    notify.notify_booking(session, _settings(), found, "cancelled")
    session.commit()
    flash(f"已取消预约（预约码 {found.code}），名额已释放。", "done")
    return redirect(url_for("mobile.my_bookings"))


@bp.get("/ics/<token>.ics")
def booking_ics(token: str) -> ResponseReturnValue:
    """The signed link is the key: calendar apps fetch it without our session."""
    settings = _settings()
    code = links.booking_code_from_ics_token(settings, token)
    found = booking_by_code(db.session(), code) if code else None
    if found is None:
        return _missing_booking()
    return Response(
        ics_bytes(settings, found, timeutil.utcnow()),
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="booking-{found.code}.ics"'},
    )


@bp.errorhandler(CSRFError)
def _csrf_failed(_exc: CSRFError) -> ResponseReturnValue:
    """A form left open too long or sent from elsewhere: nothing was changed; say so."""
    return render_template("mobile/book_expired.html"), 400
