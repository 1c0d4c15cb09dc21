"""Slots as people say them: towns short and misheard, kinds of work, pay, days, positions."""

from __future__ import annotations

from datetime import date

import pytest

from core.nlu import dates, slots
from core.nlu.numbers import small_number

MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("said", "day", "part"),
    [
        ("明天上午", "2026-12-08", "上午"),
        ("后天下午三点", "2026-12-09", "下午"),
        ("周三", "2026-12-09", None),
        ("这周三", "2026-12-09", None),
        ("下周三", "2026-12-16", None),
        ("下礼拜五晚上", "2026-12-18", "晚上"),
        ("礼拜天", "2026-12-13", None),
        ("12月15号", "2026-12-15", None),
        ("十二月十五号", "2026-12-15", None),
        ("12.15", "2026-12-15", None),
        ("3号", "2027-01-03", None),  # the 3rd of this month has passed: next month's
        ("元旦", "2027-01-01", None),
        ("周末有空", dates.WEEKEND, None),
        ("中午", None, None),  # either side of noon: left unsaid
    ],
)
def test_days_and_parts_of_the_day(said, day, part):
    assert dates.when(said, MONDAY) == dates.When(day, part)


def test_a_move_reads_the_day_it_moves_to():
    said = "我约的是周三那个，能改到周五下午吗"
    assert dates.when(said, MONDAY, last=True) == dates.When("2026-12-11", "下午")
    assert dates.when(said, MONDAY).day == "2026-12-09"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("8000以上", {"pay_min": 8000}),
        ("8k往上", {"pay_min": 8000}),
        ("工资七八千", {"pay_min": 7000, "pay_max": 8000}),
        ("6000到8000", {"pay_min": 6000, "pay_max": 8000}),
        ("不超过5千也行", {"pay_max": 5000}),
        ("一万二", {"pay_min": 12000}),
        ("5千5的", {"pay_min": 5500}),
        ("一万出头", {"pay_min": 10000}),
        ("月薪六千的", {"pay_min": 6000}),
        ("12号去", {}),  # a day, not pay
        ("3个人", {}),
    ],
)
def test_pay(said, expected):
    assert slots.pay(said) == expected


@pytest.mark.parametrize(
    ("said", "town"),
    [
        ("安亭有活吗", "安亭镇"),
        ("工业区那边", "嘉定工业区"),
        ("将桥的服务站", "江桥镇"),  # a pinyin keyboard's 江桥
        ("马路那边的服务站", "马陆镇"),  # speech recognition's 马陆, next to a place word
        ("嘉定有什么工作", None),  # the district, not a town
        ("马路上车多", None),  # an ordinary road
    ],
)
def test_towns(said, town):
    assert slots.extract(said, MONDAY).get("town") == town


@pytest.mark.parametrize(
    ("said", "kind"),
    [("想找开车的活", "驾驶员"), ("看大门的也行", "保安"), ("会做饭", "厨师"), ("进厂", "普工")],
)
def test_kinds_of_work(said, kind):
    assert slots.extract(said, MONDAY)["job_kind"] == kind


def test_the_longest_service_word_wins():
    assert slots.extract("想办培训补贴", MONDAY)["service"] == "14"  # not 12 (培训)
    assert slots.extract("办失业登记", MONDAY)["service"] == "16"


@pytest.mark.parametrize(
    ("said", "position"),
    [("第二个", 2), ("第3个", 3), ("头一个", 1), ("最后那个", slots.LAST), ("随便", None)],
)
def test_positions_in_a_list(said, position):
    assert slots.ordinal(said) == position


def test_small_numbers():
    assert [small_number(t) for t in ("十五", "二十一", "三十", "七", "15", "七八")] == [
        15,
        21,
        30,
        7,
        15,
        None,
    ]


def test_an_intent_keeps_only_its_slots():
    found = slots.extract("安亭 保安 明天", MONDAY)
    assert slots.for_intent(found, ["job.search"]) == {"town": "安亭镇", "job_kind": "保安"}
    assert slots.for_intent(found, ["policy"]) == {}
