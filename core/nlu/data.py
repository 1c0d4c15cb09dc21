"""What the intent model learns from: content/intents/phrasings/, the FAQ, off-topic questions.

- Each feature's phrasings (content/intents/phrasings/*.yaml), written by people who never
  saw the blind test set. Answers inside a flow (`flow.*`) are not intents of their own:
  the flows read them (core.nlu.flow_answers), so they are left out here.
- `policy`: each FAQ entry's standard question and its first similar questions, so the
  model knows how people ask about policy without the FAQ's sheer size drowning the
  other intents. Entries whose questions are really requests for a feature (where is the
  nearest station) are left out (FEATURE_LIKE_ENTRIES).
- `none`: the off-topic questions written for the FAQ's threshold calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from core.content_files import read_yaml
from core.faq.catalog import Catalog

PHRASINGS_DIR = Path(__file__).resolve().parents[2] / "content" / "intents" / "phrasings"
OFF_TOPIC_FILE = (
    Path(__file__).resolve().parents[2]
    / "content"
    / "policy_faq"
    / "calibration"
    / "out_of_scope.yaml"
)
FAQ_PHRASINGS_PER_ENTRY = 4
FEATURE_LIKE_ENTRIES = frozenset({"st-station-location"})
NOT_AN_INTENT = "flow."


def phrasings(directory: Path = PHRASINGS_DIR) -> list[tuple[str, str]]:
    """(text, intent) for every phrasing in the content files, flow answers included."""
    found = []
    for path in sorted(directory.glob("*.yaml")):
        for intent, texts in (read_yaml(path).get("intents") or {}).items():
            found += [(str(text), str(intent)) for text in texts or []]
    return found


def faq_examples(entries: Iterable[tuple[str, str, Sequence[str]]]) -> list[tuple[str, str]]:
    """(text, "policy") from (entry id, question, similar questions)."""
    found = []
    for entry_id, question, similar in entries:
        if entry_id in FEATURE_LIKE_ENTRIES:
            continue
        for text in [question, *similar][:FAQ_PHRASINGS_PER_ENTRY]:
            found.append((text, "policy"))
    return found


def off_topic(path: Path = OFF_TOPIC_FILE) -> list[tuple[str, str]]:
    return [(str(q), "none") for q in read_yaml(path)["questions"]]


def catalog_entries(catalog: Catalog) -> list[tuple[str, str, list[str]]]:
    """(id, question, similar questions) of every entry of an FAQ catalog."""
    return [(e.id, e.question, list(e.similar)) for e in catalog.entries.values()]


def training_set(
    faq_entries: Iterable[tuple[str, str, Sequence[str]]],
    added: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """Everything the model is trained on; `added` are staff's phrasings from the console."""
    written = [(t, i) for t, i in phrasings() if not i.startswith(NOT_AN_INTENT)]
    return written + list(added) + faq_examples(faq_entries) + off_topic()
