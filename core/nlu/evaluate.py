"""How well the bot understands people: figures on a labelled set of messages.

Each message's first reply is what counts (bot side: web.cli.nlu runs every message
through the real /wechat path, as a person new to the bot, and hands the replies here).

- intent: the understood intent equals the label (the first request, for two in one);
- slots: exact match of every slot, over the messages that ask for a feature;
- policy answered right in the first reply: the reply is the labelled entry's answer;
- wrong direct answers: the reply is another entry's answer;
- out of scope answered: a message labelled out of scope (a policy question no entry
  answers, or none of the bot's business) that got a policy answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.nlu.slots import INTENT_SLOTS

OUT = "OUT"
NONE = "none"
POLICY = "policy"
# The label guide names services in words; the bot keeps the station list's item numbers.
SERVICE_ITEMS = {
    "建立就业档案": "2",
    "政策咨询": "3",
    "岗位推荐": "7",
    "职业指导": "8",
    "面试体检协助": "9",
    "就业参保登记": "10",
    "线上培训指导": "11",
    "就业培训": "12",
    "技能评价": "13",
    "培训补贴申领": "14",
    "失业登记": "16",
    "就业困难认定": "17",
    "补贴申领": "18",
    "创业专家咨询": "20",
    "创业指导": "21",
}


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    intent: str
    slots: dict[str, Any]
    also: tuple[str, ...] = ()
    faq: str | None = None
    part: str = ""
    # A message sent first by the same person: `text` is its follow-up ("安亭的呢"),
    # labelled for what it means after it.
    before: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one message."""

    intent: str
    slots: dict[str, Any]
    faq_id: str | None  # the entry whose answer the first reply gave, if any


def normalised_slots(slots: dict[str, Any]) -> dict[str, Any]:
    """Comparable slot values: strings, lists sorted, services as item numbers."""
    found: dict[str, Any] = {}
    for name, raw in (slots or {}).items():
        if raw in (None, "", []):
            continue
        value = SERVICE_ITEMS.get(str(raw), str(raw)) if name == "service" else raw
        if name == "topic" and not isinstance(value, list | tuple):
            value = [value]
        if isinstance(value, list | tuple):
            found[name] = sorted(str(v) for v in value)
        else:
            found[name] = str(value)
    return found


def takes_slots(item: Labelled) -> bool:
    """Whether the message asks for a feature that reads slots (the slot figure's base)."""
    return any(intent in INTENT_SLOTS for intent in (item.intent, *item.also))


@dataclass
class Report:
    total: int = 0
    intent_right: int = 0
    slot_base: int = 0
    slot_right: int = 0
    policy_in_scope: int = 0
    policy_right_first: int = 0
    policy_wrong_first: int = 0
    out_of_scope: int = 0
    out_of_scope_answered: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, item: Labelled, outcome: Outcome) -> None:
        self.total += 1
        if outcome.intent == item.intent:
            self.intent_right += 1
        else:
            self.confusions[(item.intent, outcome.intent)] += 1
            self.misses.append(f"{item.id} {item.intent} → {outcome.intent}: {item.text}")
        if takes_slots(item):
            self.slot_base += 1
            if normalised_slots(outcome.slots) == normalised_slots(item.slots):
                self.slot_right += 1
            else:
                self.misses.append(
                    f"{item.id} slots {normalised_slots(item.slots)} ≠ "
                    f"{normalised_slots(outcome.slots)}: {item.text}"
                )
        self._add_policy(item, outcome)

    def _add_policy(self, item: Labelled, outcome: Outcome) -> None:
        if item.intent == POLICY and item.faq and item.faq != OUT:
            self.policy_in_scope += 1
            if outcome.faq_id == item.faq:
                self.policy_right_first += 1
            elif outcome.faq_id:
                self.policy_wrong_first += 1
                self.misses.append(
                    f"{item.id} answered {outcome.faq_id}, not {item.faq}: {item.text}"
                )
            else:
                self.misses.append(
                    f"{item.id} no answer in the first reply ({item.faq}): {item.text}"
                )
        elif (item.intent == POLICY and item.faq == OUT) or item.intent == NONE:
            self.out_of_scope += 1
            if outcome.faq_id:
                self.out_of_scope_answered += 1
                self.misses.append(
                    f"{item.id} out of scope, answered {outcome.faq_id}: {item.text}"
                )

    def lines(self, name: str) -> list[str]:
        def pct(n: int, d: int) -> str:
            return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "  n/a"

        return [
            f"  {name}:",
            f"    intent                          {pct(self.intent_right, self.total)}",
            f"    slots exact                     {pct(self.slot_right, self.slot_base)}",
            f"    policy right in first reply     "
            f"{pct(self.policy_right_first, self.policy_in_scope)}",
            f"    wrong direct answers            "
            f"{pct(self.policy_wrong_first, self.policy_in_scope)}",
            f"    out of scope given an answer    "
            f"{pct(self.out_of_scope_answered, self.out_of_scope)}",
        ]

    def worst(self, n: int = 8) -> list[str]:
        return [
            f"    {gold} → {got}: {count}" for (gold, got), count in self.confusions.most_common(n)
        ]


def report(pairs: Iterable[tuple[Labelled, Outcome]]) -> Report:
    result = Report()
    for item, outcome in pairs:
        result.add(item, outcome)
    return result


def load(raw: dict[str, Any]) -> list[Labelled]:
    return [
        Labelled(
            id=str(item["id"]),
            text=str(item["text"]),
            intent=str(item["intent"]),
            slots=dict(item.get("slots") or {}),
            also=tuple(str(a) for a in item.get("also") or ()),
            faq=item.get("faq"),
            part=str(item.get("part") or ""),
            before=str(item.get("before") or ""),
        )
        for item in raw["items"]
    ]
