"""未理解的消息: staff see what the bot misread, with what it took it for, and teach it in
two clicks; the bot understands the wording from then on. Admins only."""

from __future__ import annotations

from sqlalchemy import select

from core.nlu.curation import added_phrasings
from core.nlu.models import IntentPhrasing
from core.staff.models import STATION_STAFF
from tests.web.test_console import csrf_token, login_as
from tests.wechat import say

PAGE = "/console/understanding"
ODD = "想去扛大包"  # "I want to carry loads": a job, in words the model has not seen


def test_a_misread_message_is_listed_and_taught(client, settings, factories, faq_loaded):
    first = say(client, settings, "o-odd", ODD)
    assert "暂时回答不了" in first  # misread: the fallback
    login_as(client, factories)
    page = client.get(PAGE).get_data(as_text=True)
    assert ODD in page
    assert "机器人理解为" in page

    taught = client.post(
        f"{PAGE}/teach",
        data={
            "csrf_token": csrf_token(client, PAGE),
            "text": ODD,
            "intent": "job.search",
            "days": "30",
        },
        follow_redirects=True,
    )
    assert "已将" in taught.get_data(as_text=True)
    row = faq_loaded.scalar(select(IntentPhrasing))
    assert (row.text, row.intent) == (ODD, "job.search")
    added_phrasings.invalidate()
    now = say(client, settings, "o-odd-2", ODD)
    assert "岗位" in now  # understood now: the job list (empty here)
    assert "暂时回答不了" not in now
    assert ODD not in client.get(PAGE).get_data(as_text=True)  # dealt with


def test_an_unknown_intent_or_empty_text_is_refused(client, settings, factories, faq_loaded):
    login_as(client, factories)
    token = csrf_token(client, PAGE)
    for data in ({"text": ODD, "intent": "job.hunt"}, {"text": "？？", "intent": "help"}):
        answer = client.post(
            f"{PAGE}/teach", data={"csrf_token": token, **data}, follow_redirects=True
        )
        assert "未能加入" in answer.get_data(as_text=True)
    assert faq_loaded.scalar(select(IntentPhrasing)) is None


def test_station_staff_cannot_see_or_teach(client, settings, factories, faq_loaded):
    login_as(client, factories, role=STATION_STAFF)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/console/")
    refused = client.post(
        f"{PAGE}/teach", data={"csrf_token": token, "text": ODD, "intent": "help"}
    )
    assert refused.status_code == 403
