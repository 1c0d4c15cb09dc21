"""`/console/audit`: who looked at or changed whose data (district admins only).

`audit` is what the other console views call when they show or change a person's data:
it records the entry in the view's own transaction (core.staff.audit).
"""

from __future__ import annotations

from flask import g, render_template, request
from flask.typing import ResponseReturnValue

from core.db import db
from core.staff import audit as audit_log
from core.staff.models import ROLE_LABELS
from web.console import bp
from web.console.auth import admin_required


def audit(action: str, person_id: int | None = None, detail: str = "") -> None:
    """Record that the logged-in member of staff did `action`; the view commits."""
    audit_log.record(db.session(), g.staff, action, person_id, detail)


def audit_and_commit(action: str, person_id: int | None = None, detail: str = "") -> None:
    """For pages that only read: the entry is the one thing they write."""
    audit(action, person_id, detail)
    db.session.commit()


@bp.get("/audit")
@admin_required
def audit_page() -> ResponseReturnValue:
    person = request.args.get("person", "").strip()
    username = request.args.get("staff", "").strip()[:64]
    person_id = int(person) if person.isdigit() else None
    entries = audit_log.recent(db.session(), person_id=person_id, staff_username=username)
    return render_template(
        "console/audit.html",
        entries=entries,
        person=person if person_id is not None else "",
        username=username,
        label=audit_log.label,
        role_labels=ROLE_LABELS,
        page_size=audit_log.PAGE_SIZE,
    )
