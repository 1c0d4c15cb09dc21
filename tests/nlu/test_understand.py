"""One message → intent, slots and a second request; on the real content."""

from __future__ import annotations

from datetime import date

import pytest

from core.faq.catalog import text_processor
from core.faq.evaluate import catalog_from_entries
from core.faq.schema import load_entries
from core.nlu.data import catalog_entries
from core.nlu.understand import Understander, understander

MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def nlu() -> Understander:
    catalog = catalog_from_entries(load_entries())
    return understander(text_processor(), lambda: catalog_entries(catalog), catalog.index)


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("想找份工作", "job.search"),
        ("附近哪有服务站", "station.nearest"),
        ("把我的预约取消", "booking.cancel"),
        ("以后有岗位告诉我", "subscribe"),
        ("您好", "chat.greeting"),
        ("多谢", "chat.thanks"),
        ("退伍回来没工作能领失业金吗", "policy"),
        ("明天会下雨吗", "none"),
    ],
)
def test_the_issues_examples(nlu, said, intent):
    assert nlu.understand(said, MONDAY).intent == intent


def test_a_request_with_its_details(nlu):
    understood = nlu.understand("帮我约明天上午安亭的服务站 办失业登记", MONDAY)
    assert understood.intent == "booking.start"
    assert understood.slots == {
        "town": "安亭镇",
        "service": "16",
        "date": "2026-12-08",
        "part_of_day": "上午",
    }
    assert understood.also == ()  # "办失业登记" is the booking's service, not a question


def test_a_greeting_with_a_request(nlu):
    understood = nlu.understand("你好 江桥有开车的活吗", MONDAY)
    assert understood.intent == "chat.greeting"
    assert understood.also == ("job.search",)
    assert understood.slots == {"town": "江桥镇", "job_kind": "驾驶员"}


def test_two_requests_in_one_message(nlu):
    understood = nlu.understand("失业金怎么领 顺便帮我约个时间去服务站", MONDAY)
    assert understood.intent == "policy"
    assert "booking.start" in understood.also


def test_speech_recognition_homophones(nlu):
    understood = nlu.understand("那个我想预越一下将桥的服务占", MONDAY)
    assert understood.intent == "booking.start"
    assert understood.slots.get("town") == "江桥镇"
