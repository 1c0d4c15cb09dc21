"""One message → what the person wants: an intent, how sure we are, the slots, and more.

1. Greetings and thanks at the start ("你好，有保安的活吗") are split off: the intent is
   the small talk, the request rides along in `also` (a person greeted and asked).
2. A message with two requests ("有培训吗 有就给我报上", "失业金咋领 顺便约个时间") is cut
   into clauses; when two clauses are confidently different intents, the first is the
   intent and the others are in `also`.
3. The intent model (core.nlu.classifier) scores the rest.
4. Slots come from the whole message, kept for the intents found (core.nlu.slots).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.faq.text import TextProcessor
from core.nlu import slots as slot_rules
from core.nlu.classifier import Model, Scored, features, train

POLICY = "policy"
NONE = "none"
SMALL_TALK = (
    "chat.greeting",
    "chat.thanks",
    "chat.who",
    "chat.goodbye",
    "chat.complaint",
    "chat.praise",
)
GREETINGS = (
    "您好",
    "你好",
    "侬好",
    "哈喽",
    "哈啰",
    "嗨",
    "hello",
    "hi",
    "在吗",
    "在不在",
    "早上好",
    "上午好",
    "下午好",
    "晚上好",
    "早",
    "喂",
    "同志你好",
    "领导好",
    "老师好",
)
THANKS = ("谢谢", "多谢", "谢啦", "感谢", "麻烦了", "辛苦了", "谢了")
# A clause boundary: punctuation, a space, or a word that starts a second request.
_CLAUSE = re.compile(r"[\s，,。.！!？?；;、]+|(?=顺便|还有|另外|再帮|然后帮|再问)")
# A clause must be this sure (decision value) to count as a request of its own.
CLAUSE_MIN_SCORE = 0.3
MIN_CLAUSE_CHARS = 2
DETAIL_MAX_CHARS = 8
QUESTION_WORDS = (
    "吗",
    "么",
    "咋",
    "如何",
    "啥",
    "什么",
    "多少",
    "哪",
    "能不能",
    "可不可以",
    "?",
    "？",
    "伐",
)


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float  # the intent model's decision value (1.0 for a rule)
    slots: dict[str, Any] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    margin: float = 0.0  # ahead of the runner-up
    runner_up: str = ""

    @property
    def intents(self) -> list[str]:
        return [self.intent, *self.also]


class Understander:
    """The trained model and the text processing it shares with the FAQ."""

    def __init__(self, model: Model, processor: TextProcessor) -> None:
        self.model = model
        self.processor = processor

    def classify(self, text: str) -> Scored:
        _tokens, feats = self.processor.analysed(self.processor.clean(text))
        return self.model.best(feats)

    def understand(self, text: str, today: date) -> Understanding:
        text = self.processor.fix_typos(unicodedata.normalize("NFKC", text).strip())
        opening, rest = _split_opening(text)
        if opening and rest:
            requests = self._requests(rest, None)
            if requests and requests[0] not in SMALL_TALK:
                return self._result(opening, 1.0, text, today, tuple(requests))
        scored = self.classify(text)
        intents = self._requests(text, scored)
        primary = intents[0]
        if primary != scored.intent:
            # Two requests: the first said is the intent, the rest ride along.
            return self._result(primary, scored.score, text, today, tuple(intents[1:]))
        also = tuple(intents[1:])
        return Understanding(
            scored.intent,
            scored.score,
            _slots(text, today, [scored.intent, *also]),
            also,
            scored.margin,
            scored.runner_up,
        )

    def _requests(self, text: str, whole: Scored | None) -> list[str]:
        """The requests in the message, in the order said: the confident intents of its
        clauses, each once, leaving out clauses that only add a detail (a service, a day)
        to the request; the whole message's intent when no clause stands on its own."""
        whole = whole or self.classify(text)
        clauses = [c for c in _CLAUSE.split(text) if len(c) >= MIN_CLAUSE_CHARS]
        if len(clauses) <= 1:
            return [whole.intent]
        found: list[str] = []
        for clause in clauses:
            scored = self.classify(clause)
            if scored.score < CLAUSE_MIN_SCORE or scored.intent in found:
                continue
            if scored.intent == NONE and (found or whole.intent != NONE):
                continue
            if scored.intent != whole.intent and _detail_of(clause, whole.intent):
                continue
            found.append(scored.intent)
        if not found:
            return [whole.intent]
        if whole.intent not in found and whole.intent in SMALL_TALK:
            return found
        return found if whole.intent in found or len(found) > 1 else [whole.intent]

    @staticmethod
    def _result(
        intent: str, confidence: float, text: str, today: date, also: tuple[str, ...]
    ) -> Understanding:
        also = tuple(dict.fromkeys(i for i in also if i != intent))
        return Understanding(intent, confidence, _slots(text, today, [intent, *also]), also)


def _detail_of(clause: str, intent: str) -> bool:
    """A short clause that only fills a slot of the request ("帮我约明天 办失业登记": the
    service of the booking), not a second request; a question ("失业金怎么领") never is."""
    if len(clause) > DETAIL_MAX_CHARS or intent not in slot_rules.INTENT_SLOTS:
        return False
    if any(word in clause for word in QUESTION_WORDS):
        return False
    return bool(slot_rules.for_intent(slot_rules.extract(clause, date.min), [intent]))


def _slots(text: str, today: date, intents: list[str]) -> dict[str, Any]:
    """The slots of the features asked for; none read for a policy question or small talk."""
    if not any(intent in slot_rules.INTENT_SLOTS for intent in intents):
        return {}
    moving = intents[0] == "booking.reschedule"
    return slot_rules.for_intent(slot_rules.extract(text, today, moving=moving), intents)


# Longest first ("早上好" before "早"), sorted once rather than on every message.
_OPENINGS = tuple(
    (intent, tuple(sorted(words, key=len, reverse=True)))
    for intent, words in (("chat.greeting", GREETINGS), ("chat.thanks", THANKS))
)


def _split_opening(text: str) -> tuple[str, str]:
    """("chat.greeting" / "chat.thanks", the rest) when the message starts with one."""
    lowered = text.lower()
    for intent, words in _OPENINGS:
        for word in words:
            if lowered.startswith(word):
                rest = text[len(word) :].lstrip(" ，,。.！!～~呀啊哈")
                return (intent, rest) if len(rest) >= MIN_CLAUSE_CHARS else ("", text)
    return "", text


_lock = threading.Lock()
_current: tuple[object, tuple[tuple[str, str], ...], Understander] | None = None


def understander(
    processor: TextProcessor,
    faq_entries: Callable[[], list[tuple[str, str, list[str]]]],
    source: object,
    added: tuple[tuple[str, str], ...] = (),
) -> Understander:
    """The model trained for `source` (the FAQ index it learns `policy` from) and the
    phrasings staff `added`, once.

    `source` is compared by identity, and held, so a rebuilt FAQ index (new phrasings)
    retrains the model, as do new added phrasings; nothing per message costs more than
    those comparisons. `faq_entries` is called only to train."""
    global _current
    current = _current
    if current is not None and current[0] is source and current[1] == added:
        return current[2]
    with _lock:
        if _current is None or _current[0] is not source or _current[1] != added:
            from core.nlu.data import training_set

            examples = training_set(faq_entries(), added)

            def analyse(text: str) -> list[str]:
                cleaned = processor.clean(text)
                return features(cleaned, processor.tokens(cleaned, cleaned=True))

            _current = (source, added, Understander(train(examples, analyse), processor))
        return _current[2]
