"""The slot vocabularies (content/intents/slots/), loaded once and scanned in one pass.

Every word of every vocabulary goes into one table from the word to what it stands for;
a message is scanned once for all of them (each start position, each word length), and
where words overlap the longest wins, as a person reads "培训补贴" as one thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.content_files import read_yaml

SLOTS_DIR = Path(__file__).resolve().parents[2] / "content" / "intents" / "slots"
# Next to one of these, a `heard_as` word is a place ("马路那边", "去安定"), else an
# ordinary word ("马路上").
PLACE_BEFORE = ("在", "去", "到", "住", "离", "回")
PLACE_AFTER = (
    "镇",
    "那",
    "这",
    "的服务",
    "服务站",
    "附近",
    "边",
    "一带",
    "有没有",
    "有啥",
    "有什么",
)


@dataclass(frozen=True)
class Hit:
    slot: str  # town, job_kind, service, event_kind, topic
    value: str
    start: int
    end: int
    needs_place: bool = False


@dataclass
class Vocabulary:
    words: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    longest: int = 1
    job_matches: dict[str, tuple[str, ...]] = field(default_factory=dict)
    job_industries: dict[str, str] = field(default_factory=dict)

    def add(self, word: str, slot: str, value: str, needs_place: bool = False) -> None:
        self.words.setdefault(word.lower(), []).append((slot, value, needs_place))
        self.longest = max(self.longest, len(word))

    def scan(self, text: str) -> list[Hit]:
        """Every vocabulary word in `text` (lower-cased), overlaps resolved per slot:
        the longest first, then the earliest."""
        lowered = text.lower()
        found: list[Hit] = []
        size = len(lowered)
        words = self.words
        for start in range(size):
            for length in range(min(self.longest, size - start), 0, -1):
                entries = words.get(lowered[start : start + length])
                if entries:
                    found += [
                        Hit(slot, value, start, start + length, needs_place)
                        for slot, value, needs_place in entries
                    ]
        return _resolve(found, lowered)


def _resolve(found: list[Hit], text: str) -> list[Hit]:
    kept: list[Hit] = []
    for hit in sorted(found, key=lambda h: (-(h.end - h.start), h.start)):
        if hit.needs_place and not _near_place(text, hit):
            continue
        if any(k.slot == hit.slot and k.start < hit.end and hit.start < k.end for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _near_place(text: str, hit: Hit) -> bool:
    return text[: hit.start].endswith(PLACE_BEFORE) or text[hit.end :].startswith(PLACE_AFTER)


@cache
def vocabulary(directory: Path = SLOTS_DIR) -> Vocabulary:
    vocab = Vocabulary()
    for town, spec in read_yaml(directory / "towns.yaml")["towns"].items():
        for word in spec.get("names") or []:
            vocab.add(str(word), "town", town)
        for word in spec.get("heard_as") or []:
            vocab.add(str(word), "town", town, needs_place=True)
    for kind, spec in read_yaml(directory / "job_kinds.yaml")["job_kinds"].items():
        for word in spec["words"]:
            vocab.add(str(word), "job_kind", str(kind))
        vocab.job_matches[str(kind)] = tuple(str(w) for w in spec["match"])
        if spec.get("industry"):
            vocab.job_industries[str(kind)] = str(spec["industry"])
    for item, words in read_yaml(directory / "services.yaml")["services"].items():
        for word in words:
            vocab.add(str(word), "service", str(item))
    events = read_yaml(directory / "events.yaml")
    for kind, words in events["event_kinds"].items():
        for word in words:
            vocab.add(str(word), "event_kind", str(kind))
    for topic, words in events["topics"].items():
        for word in words:
            vocab.add(str(word), "topic", str(topic))
    return vocab
