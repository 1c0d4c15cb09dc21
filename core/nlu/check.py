"""`vetbot nlu check`: the intents' content files are sound, and the test set stays blind.

- every phrasing file names known intents, and each intent has enough phrasings to learn;
- no phrasing is under two intents;
- no phrasing (of an intent or of the FAQ) copies a message of the blind test set: the set
  was written without seeing them, and must stay so;
- the slot vocabularies name the real towns, station services and event kinds.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from core.booking.models import TOWNS
from core.booking.station_services import all_items
from core.content_files import read_yaml
from core.faq.check import Phrasings, faq_phrasings
from core.faq.schema import fold, load_entries
from core.jobs.models import EVENT_KINDS, INDUSTRIES
from core.nlu.data import PHRASINGS_DIR, phrasings
from core.nlu.intents import FLOW_ANSWERS, INTENTS
from core.nlu.vocab import SLOTS_DIR

EVAL_DIR = PHRASINGS_DIR.parent / "eval"
# Every blind set (blind.yaml, blind2.yaml …): none may be copied into what is learned.
BLIND_FILES = tuple(sorted(EVAL_DIR.glob("blind*.yaml")))
MIN_PHRASINGS = 15
BLIND_OVERLAP_JACCARD = 0.75
# A message this short ("你好", "谢谢") is said the same way by everyone: not a copy.
MIN_COPY_CHARS = 6


def check_phrasings(found: list[tuple[str, str]]) -> list[str]:
    problems = []
    per_intent: dict[str, int] = defaultdict(int)
    seen: dict[str, str] = {}
    for text, intent in found:
        if intent not in INTENTS and intent not in FLOW_ANSWERS:
            problems.append(f"phrasing {text!r}: unknown intent {intent!r}")
            continue
        per_intent[intent] += 1
        key = fold(text) or text  # "？" and "👍" fold to nothing: compare them as they are
        if key in seen and seen[key] != intent:
            problems.append(f"phrasing {text!r} is under {seen[key]} and {intent}")
        seen.setdefault(key, intent)
    for intent in INTENTS:
        if per_intent[intent] < MIN_PHRASINGS:
            problems.append(f"{intent}: {per_intent[intent]} phrasings, at least {MIN_PHRASINGS}")
    return problems


def check_blind(found: list[tuple[str, str]], blinds: tuple[Path, ...] = BLIND_FILES) -> list[str]:
    """No intent or FAQ phrasing copies a message of a blind test set."""
    labelled = [(intent, text) for text, intent in found]
    labelled += faq_phrasings(load_entries())
    learned = Phrasings(
        [(label, t) for label, t in labelled if len(fold(t)) >= MIN_COPY_CHARS],
        BLIND_OVERLAP_JACCARD,
    )
    problems = []
    items = [item for blind in blinds for item in read_yaml(blind)["items"]]
    for item in items:
        text = str(item["text"])  # a follow-up's first message is context, not measured
        if len(fold(text)) < MIN_COPY_CHARS:
            continue
        copy = learned.copied(text)
        if copy is not None:
            problems.append(f"blind {item['id']} is too close to {copy[0]}: {copy[1]!r}")
    return problems


def check_vocabularies(directory: Path = SLOTS_DIR) -> list[str]:
    problems = []
    towns = read_yaml(directory / "towns.yaml")["towns"]
    if set(towns) != set(TOWNS):
        problems.append(f"towns.yaml names {sorted(set(towns) ^ set(TOWNS))} wrongly")
    bookable = {str(i.no) for i in all_items().values() if i.bookable}
    for item in read_yaml(directory / "services.yaml")["services"]:
        if str(item) not in bookable:
            problems.append(f"services.yaml: item {item} is not a bookable station service")
    kinds = read_yaml(directory / "job_kinds.yaml")["job_kinds"]
    for kind, spec in kinds.items():
        if not spec.get("words") or not spec.get("match"):
            problems.append(f"job_kinds.yaml: {kind} needs words and match")
        if spec.get("industry") and spec["industry"] not in INDUSTRIES:
            problems.append(f"job_kinds.yaml: {kind}: unknown industry {spec['industry']!r}")
    labels = set(EVENT_KINDS.values()) | {"政策宣讲"}
    for kind in read_yaml(directory / "events.yaml")["event_kinds"]:
        if kind not in labels:
            problems.append(f"events.yaml: unknown event kind {kind!r}")
    return problems


def run_checks() -> tuple[int, list[str]]:
    found = phrasings()
    problems = check_phrasings(found) + check_vocabularies() + check_blind(found)
    return len(found), problems
