"""The understanding step of the chat: the intent model for the FAQ in force, per message.

The model learns `policy` from the FAQ's own phrasings, so it follows the catalog: a
curator's edit that changes how questions are asked retrains it (in well under a second)
when the next message needs it; edits that leave the phrasings alone reuse it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from core.faq.catalog import SessionSource, catalog_cache, text_processor
from core.nlu.curation import added_phrasings
from core.nlu.data import catalog_entries
from core.nlu.understand import Understander, Understanding, understander
from core.timeutil import local_today


def current(session: SessionSource) -> Understander:
    """The model for the FAQ and the staff's phrasings as they are now (retrained only when
    either changes)."""
    catalog = catalog_cache.get(session)
    _stamp, added = added_phrasings.get(session)
    return understander(text_processor(), lambda: catalog_entries(catalog), catalog.index, added)


def understand(session: SessionSource, text: str) -> Understanding:
    return current(session).understand(text, local_today())


def read_slots(text: str) -> dict[str, Any]:
    """Every slot in an answer inside a flow ("明天上午", "安亭那个", "第二个", "失业登记"),
    whatever its intent: the step, not the model, says what is being asked."""
    from core.nlu import slots

    processor = text_processor()
    return slots.extract(processor.fix_typos(unicodedata.normalize("NFKC", text)), local_today())
