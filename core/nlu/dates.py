"""Days and parts of the day as people say them, relative to today in Shanghai.

明天, 后天, 周三 / 星期三 / 礼拜三 (the next one, today included), 这周三, 下周三 /
下礼拜三 (next week's), 12月15号, 15号 (this month, or next once it has passed), 12.15,
元旦, 周末; 上午 / 早上, 下午, 晚上. "中午" is left unsaid: it may be either side of noon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from core.nlu.numbers import small_number

WEEKEND = "weekend"
DECEMBER = 12
MAX_DAY = 31
WEEKDAY_NAMES = "一二三四五六日天"
_DAY_WORDS = (
    ("大后天", 3),
    ("后天", 2),
    ("后日", 2),
    ("明天", 1),
    ("明日", 1),
    ("明儿", 1),
    ("明朝", 1),
    ("今天", 0),
    ("今日", 0),
    ("今儿", 0),
    ("今朝", 0),
)
_WEEKDAY = re.compile(rf"(下下|下个|下一个|下|这个|这|本)?(?:周|星期|礼拜)([{WEEKDAY_NAMES}])")
_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_MONTH_DAY = re.compile(rf"({_NUM})月({_NUM})(?:号|日)?")
_DAY_OF_MONTH = re.compile(rf"(?<![\d月第])({_NUM})(?:号|日)(?![\d])")
_DOTTED = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])[./](3[01]|[12]\d|0?[1-9])(?![\d.])")
_WEEKEND = re.compile(r"(下|这|本)?(?:个)?(?:周末|礼拜天礼拜六)")
PARTS = (
    ("上午", ("上午", "早上", "早晨", "上半天", "一早", "早点", "大早", "清早", "早上头")),
    ("下午", ("下午", "下半天", "午后", "下半日")),
    ("晚上", ("晚上", "傍晚", "夜里", "晚些")),
)


@dataclass(frozen=True)
class When:
    day: str | None  # YYYY-MM-DD or "weekend"
    part: str | None  # 上午 / 下午 / 晚上


def _weekday_index(name: str) -> int:
    return 6 if name in "日天" else WEEKDAY_NAMES.index(name)


def _weekday(match: re.Match[str], today: date) -> date:
    prefix, name = match.group(1) or "", match.group(2)
    target = _weekday_index(name)
    monday = today - timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + timedelta(days=14 + target)
    if prefix.startswith("下"):
        return monday + timedelta(days=7 + target)
    if prefix:  # 这, 本: this week's, even if it has passed
        return monday + timedelta(days=target)
    ahead = (target - today.weekday()) % 7
    return today + timedelta(days=ahead)


def _month_day(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today - timedelta(days=1):
            return found
    return None


def _day_of_month(day: int, today: date) -> date | None:
    month, year = today.month, today.year
    for _ in range(2):
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        month, year = (1, year + 1) if month == DECEMBER else (month + 1, year)
    return None


def find_day(text: str, today: date, *, last: bool = False) -> str | None:
    """The day `text` names, as YYYY-MM-DD (or "weekend"); None when it names none.

    `last`: of several days, the one named last ("周三的改到周五" moves to Friday)."""
    if last:
        text = _after_last_change(text)
    found = _explicit_day(text, today)
    if found is not None:
        return found.isoformat()
    if _WEEKEND.search(text) or "周末" in text:
        return WEEKEND
    return None


def _explicit_day(text: str, today: date) -> date | None:
    match = _MONTH_DAY.search(text)
    if match:
        month, day = small_number(match.group(1)), small_number(match.group(2))
        if month and day:
            return _month_day(month, day, today)
    match = _DOTTED.search(text)
    if match:
        return _month_day(int(match.group(1)), int(match.group(2)), today)
    match = _WEEKDAY.search(text)
    if match:
        return _weekday(match, today)
    for word, offset in _DAY_WORDS:
        if word in text:
            return today + timedelta(days=offset)
    if "元旦" in text:
        return _month_day(1, 1, today)
    match = _DAY_OF_MONTH.search(text)
    if match:
        day = small_number(match.group(1))
        if day and 1 <= day <= MAX_DAY:
            return _day_of_month(day, today)
    return None


_CHANGE = re.compile(r"改到|改成|换到|换成|挪到|调到|延到|推到|改约到|改在|改")


def _after_last_change(text: str) -> str:
    """The words after the last "改到 / 换到 …", when the message has one and a day follows."""
    matches = list(_CHANGE.finditer(text))
    for match in reversed(matches):
        rest = text[match.end() :]
        if rest.strip():
            return rest
    return text


def find_part(text: str) -> str | None:
    """上午 / 下午 / 晚上 when `text` says which part of the day; None otherwise."""
    for part, words in PARTS:
        if any(word in text for word in words):
            return part
    return None


def when(text: str, today: date, *, last: bool = False) -> When:
    """The day and part of the day; `last` reads those after a change ("改到周五下午")."""
    if last:
        return When(find_day(text, today, last=True), find_part(_after_last_change(text)))
    return When(find_day(text, today), find_part(text))
