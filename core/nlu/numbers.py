"""Numbers as people type them: 8000, 8k, 八千, 8千5, 一万二, 1.2万, 七八千, 十五."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000, "k": 1000, "K": 1000, "万": 10000, "w": 10000, "W": 10000}
CHINESE_DIGITS = "零〇一二两俩三四五六七八九"
PAIR = 2


def small_number(text: str) -> int | None:
    """1 to 99 written in digits or Chinese (十五, 二十一, 三十): days, ordinals."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


# One amount: a number (digits or Chinese), an optional unit, and after 千/万 an optional
# trailing digit that means the next place down (8千5 = 8500, 一万二 = 12000).
_AMOUNT = re.compile(
    rf"(?P<num>\d+(?:\.\d+)?|[{CHINESE_DIGITS}十]+)"
    rf"(?P<unit>[千kKwW万])?(?P<tail>(?<=[千万kKwW])[\d{CHINESE_DIGITS}](?![\d{CHINESE_DIGITS}]))?"
)


def _value(number: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", number):
        return float(number)
    if len(number) == PAIR and all(ch in DIGITS for ch in number):
        return None  # "七八" is a range, read by amounts()
    small = small_number(number)
    if small is not None:
        return float(small)
    return None


def amount(match: re.Match[str]) -> int | None:
    """The yuan an _AMOUNT match stands for (None when it is not a number)."""
    value = _value(match.group("num"))
    if value is None:
        return None
    unit = UNITS.get(match.group("unit") or "", 1)
    total = value * unit
    tail = match.group("tail")
    if tail:
        tail_value = int(tail) if tail.isdigit() else DIGITS[tail]
        total += tail_value * unit / 10
    return round(total)


_RANGE_DIGITS = re.compile(rf"([{CHINESE_DIGITS}])([{CHINESE_DIGITS}])([千万])")


def adjacent_range(text: str) -> tuple[int, int, int, int] | None:
    """ "七八千" / "五六千": (low, high, start, end) in yuan, or None."""
    match = _RANGE_DIGITS.search(text)
    if match is None:
        return None
    low, high = DIGITS[match.group(1)], DIGITS[match.group(2)]
    if high != low + 1:
        return None
    unit = UNITS[match.group(3)]
    return low * unit, high * unit, match.start(), match.end()


def amounts(text: str) -> list[tuple[int, int, int]]:
    """Every amount in `text` with its position: (yuan, start, end)."""
    found = []
    for match in _AMOUNT.finditer(text):
        value = amount(match)
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found
