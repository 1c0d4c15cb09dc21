"""`/m/jobs` and `/m/jobs/<id>`: current postings with filters, and one posting's page.

Public: nothing here needs to know who is looking. A posting that closed or expired
still opens (an old chat message may link to it) and says 已结束.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from core import timeutil
from core.db import db
from core.jobs import search as job_search
from core.jobs.texts import pay_text
from web.mobile import bp, job_pages


@bp.get("/jobs")
def jobs_index() -> ResponseReturnValue:
    filters = job_pages.filters_from_args(request.args)
    page = job_pages.job_list(db.session(), filters, timeutil.utcnow())
    return render_template("mobile/jobs.html", page=page, pay_text=pay_text)


@bp.get("/jobs/<int:posting_id>")
def job_page(posting_id: int) -> ResponseReturnValue:
    posting = job_search.get_posting(db.session(), posting_id)
    if posting is None:
        return render_template("mobile/jobs_missing.html"), 404
    return render_template(
        "mobile/jobs_detail.html", page=job_pages.job_detail(posting, timeutil.utcnow())
    )
