"""Subscribe-message consent from WeChat's pop-up and settings events feeds the broadcast plan."""

from __future__ import annotations

import time

from sqlalchemy import select

from core.broadcast import plan as broadcast_plan
from core.broadcast.models import NONE, SUBSCRIBE, MessageConsent
from core.broadcast.segments import Segment
from core.timeutil import utcnow
from tests.broadcast.conftest import LONG_AGO
from tests.wechat import post


def consent_event(openid: str, event: str, block: str, *items: tuple[str, str]) -> str:
    lists = "".join(
        f"<List><TemplateId><![CDATA[{tpl}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[{status}]]></SubscribeStatusString>"
        "<PopupScene>2</PopupScene></List>"
        for tpl, status in items
    )
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time() * 1000) % 10**10}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<{block}>{lists}</{block}></xml>"
    )


def popup(openid: str, *items: tuple[str, str]) -> str:
    return consent_event(openid, "subscribe_msg_popup_event", "SubscribeMsgPopupEvent", *items)


def uses(db_session, person_id: int) -> dict[str, int | None]:
    db_session.expire_all()
    rows = db_session.scalars(select(MessageConsent).where(MessageConsent.person_id == person_id))
    return {row.template_id: row.remaining for row in rows if row.kind == SUBSCRIBE}


def test_accepting_in_the_popup_lets_a_broadcast_reach_someone_outside_the_window(
    client, settings, db_session, subscriber
):
    person = subscriber("o-consent", last_message_at=LONG_AGO)
    settings = settings.with_overrides(wechat_subscribe_template_broadcast="SUB-1")
    everyone = Segment("all")
    before = broadcast_plan.preview(db_session, settings, everyone, use_mass=False, now=utcnow())
    assert dict(before.rows()) == {NONE: 1}

    response = post(client, settings, popup("o-consent", ("SUB-1", "accept"), ("SUB-2", "reject")))

    assert response.status_code == 200
    assert response.get_data(as_text=True) in ("", "success")
    assert uses(db_session, person.id) == {"SUB-1": 1}
    after = broadcast_plan.preview(db_session, settings, everyone, use_mass=False, now=utcnow())
    assert dict(after.rows()) == {SUBSCRIBE: 1}


def test_each_accept_adds_one_use_and_a_reject_in_settings_withdraws_it(
    client, settings, db_session, subscriber
):
    person = subscriber("o-twice")
    post(client, settings, popup("o-twice", ("SUB-1", "accept")))
    time.sleep(0.002)  # a different CreateTime: a new event, not WeChat's retry
    post(client, settings, popup("o-twice", ("SUB-1", "accept")))
    assert uses(db_session, person.id) == {"SUB-1": 2}

    change = consent_event(
        "o-twice", "subscribe_msg_change_event", "SubscribeMsgChangeEvent", ("SUB-1", "reject")
    )
    post(client, settings, change)
    assert uses(db_session, person.id) == {}


def test_a_retried_event_counts_once(client, settings, db_session, subscriber):
    person = subscriber("o-retry")
    xml = popup("o-retry", ("SUB-1", "accept"))
    post(client, settings, xml)
    post(client, settings, xml)
    assert uses(db_session, person.id) == {"SUB-1": 1}


def test_malformed_consent_lists_are_ignored_not_an_error(client, settings, db_session, subscriber):
    person = subscriber("o-odd")
    odd = popup("o-odd", ("", "accept"), ("SUB-1", "maybe"))
    response = post(client, settings, odd)
    assert response.status_code == 200
    assert uses(db_session, person.id) == {}
