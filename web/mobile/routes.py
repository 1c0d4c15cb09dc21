"""`/m/faq`: the policy FAQ as phone pages, linked from every chat answer.

Views only read the request, call `faq_pages` and render. A search is logged by
`faq.ask`, so the view commits after it; browsing and reading entries write nothing.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from core.config import Settings
from core.db import db
from web.mobile import bp, faq_pages


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


@bp.get("/faq")
def faq_index() -> ResponseReturnValue:
    """Search box, the result of `?q=` if given, and the questions by category."""
    session = db.session()
    category = request.args.get("category", "").strip()
    result = None
    if "q" in request.args:
        result = faq_pages.search(session, _settings(), request.args["q"])
        if not result.problem:
            session.commit()
    sections, unknown_category = faq_pages.browse(session, category)
    return render_template(
        "mobile/faq_index.html",
        result=result,
        q=result.question if result else "",
        category="" if unknown_category else category,
        unknown_category=unknown_category,
        sections=sections,
        max_question=faq_pages.MAX_QUESTION_CHARS,
    )


@bp.get("/faq/<faq_id>")
def faq_entry(faq_id: str) -> ResponseReturnValue:
    """The full answer with its scope and the quoted clauses it rests on."""
    page = faq_pages.entry_page(db.session(), faq_id)
    if page is None:
        # Old links from chat history may point at removed entries: say so kindly.
        return render_template("mobile/faq_missing.html"), 404
    return render_template("mobile/faq_entry.html", page=page)
