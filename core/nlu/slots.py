"""Slots: what a feature needs from a message, read with lookup tables and a few patterns.

Each intent takes the slots its feature uses (INTENT_SLOTS); a town named in a policy
question is not a job search's town. Values are canonical: a town's full name, a kind of
work from content/intents/slots/job_kinds.yaml, pay in yuan, a day as YYYY-MM-DD, 上午 /
下午 / 晚上, a station service's item number, a list position (1-based, or "last").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from core.nlu import dates
from core.nlu.numbers import CHINESE_DIGITS, adjacent_range, amounts, small_number
from core.nlu.vocab import vocabulary

INTENT_SLOTS: dict[str, tuple[str, ...]] = {
    "job.search": ("town", "job_kind", "pay_min", "pay_max"),
    "event.list": ("town", "date", "event_kind"),
    "event.signup": ("ordinal", "date", "event_kind", "town"),
    "event.mine": ("event_kind",),
    "event.withdraw": ("ordinal", "date", "event_kind"),
    "station.find": ("town",),
    "station.hours": ("town", "date", "part_of_day"),
    "booking.start": ("town", "service", "date", "part_of_day"),
    "booking.cancel": ("ordinal", "date", "service"),
    "booking.reschedule": ("ordinal", "date", "part_of_day"),
    "subscribe": ("topic", "town", "job_kind", "event_kind"),
    "unsubscribe": ("topic",),
}
LAST = "last"

_ORDINAL = re.compile(rf"第\s*([\d{CHINESE_DIGITS}十]{{1,3}})\s*(?:个|场|项|条|次|家|号|位)?")
_FIRST = ("头一个", "头个", "最前面", "第一个")
_LAST = ("最后一个", "最后那个", "最后一场", "最后那场", "最后一项", "最下面")
_AT_LEAST = (
    "以上",
    "往上",
    "起步",
    "起码",
    "至少",
    "最少",
    "不低于",
    "不少于",
    "打底",
    "出头",
    "多点",
)
_AT_MOST = ("以下", "以内", "之内", "不超过", "最多", "顶多", "不到", "低于", "最高")
# Pay is a sum of money: in thousands or with a money word near it, not a date or a count.
_MONEY_CONTEXT = (
    "工资",
    "薪",
    "月",
    "块",
    "元",
    "钱",
    "收入",
    "待遇",
    "到手",
    "k",
    "千",
    "万",
    "w",
)
_PAY_FLOOR = 1000


def ordinal(text: str) -> int | str | None:
    """Which item of a list: 第二个 → 2, 头一个 → 1, 最后一个 → "last"."""
    if any(word in text for word in _LAST):
        return LAST
    match = _ORDINAL.search(text)
    if match:
        return small_number(match.group(1))
    if any(word in text for word in _FIRST):
        return 1
    return None


def pay(text: str) -> dict[str, int]:
    """pay_min / pay_max from "8000以上", "不超过5千", "七八千", "6000到8000", "8k"."""
    pair = adjacent_range(text)
    if pair is not None:
        return {"pay_min": pair[0], "pay_max": pair[1]}
    found = [(v, s, e) for v, s, e in amounts(text) if v >= _PAY_FLOOR or _money_near(text, s, e)]
    found = [(v, s, e) for v, s, e in found if v >= _PAY_FLOOR]
    if not found:
        return {}
    if len(found) > 1 and re.search(r"[到至\-~～]", text[found[0][2] : found[1][1] + 1]):
        low, high = sorted((found[0][0], found[1][0]))
        return {"pay_min": low, "pay_max": high}
    value, start, end = found[0]
    around = text[max(0, start - 4) : end + 5]
    if any(word in around for word in _AT_MOST):
        return {"pay_max": value}
    return {"pay_min": value}


def _money_near(text: str, start: int, end: int) -> bool:
    around = text[max(0, start - 3) : end + 2].lower()
    return any(word in around for word in _MONEY_CONTEXT)


def extract(text: str, today: date, *, moving: bool = False) -> dict[str, Any]:
    """Every slot the message fills, whatever the intent (see `for_intent`); `moving`: the
    day is the one it is moved to."""
    found: dict[str, Any] = {}
    topics: list[str] = []
    for hit in vocabulary().scan(text):
        if hit.slot == "topic":
            if hit.value not in topics:
                topics.append(hit.value)
        else:
            found.setdefault(hit.slot, hit.value)
    if topics:
        found["topic"] = topics
    when = dates.when(text, today, last=moving)
    if when.day:
        found["date"] = when.day
    if when.part:
        found["part_of_day"] = when.part
    position = ordinal(text)
    if position is not None:
        found["ordinal"] = position
    found.update(pay(text))
    return found


def for_intent(found: dict[str, Any], intents: list[str]) -> dict[str, Any]:
    """The slots the given intents' features use."""
    wanted = {slot for intent in intents for slot in INTENT_SLOTS.get(intent, ())}
    return {slot: value for slot, value in found.items() if slot in wanted}
