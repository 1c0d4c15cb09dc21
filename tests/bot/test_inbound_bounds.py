"""Every inbound field bounded before anything is written; over-long text not matched.

An adversarial pass (issue 16) sent a FromUserName over 64 characters and a VIEW event
whose URL pushed the dedup key over 200: on PostgreSQL the batched log write failed and
was dropped, with other people's rows in it. A 60 kB text cost seconds of CPU to match.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import inbound, simulate
from bot.router import router
from bot.texts import TOO_LONG_REPLY
from core.chatlog.models import MessageLog
from core.people.models import Person
from tests.wechat import post, reply_fields


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


def test_an_over_long_openid_is_refused_and_others_are_logged(client, settings, db_session):
    assert post(client, settings, simulate.text_xml("o-before", "帮助")).status_code == 200
    response = post(client, settings, simulate.text_xml("o" * 65, "帮助"))
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "bad request"
    assert post(client, settings, simulate.text_xml("o-after", "帮助")).status_code == 200
    openids = set(db_session.scalars(select(Person.openid)))
    assert openids == {"o-before", "o-after"}
    assert count(db_session, MessageLog) == 4


def test_a_view_event_with_a_long_url_is_logged_with_everyone_elses(client, settings, db_session):
    url = "https://example.com/" + "a" * 1500
    view = simulate.event_xml("o-viewer", "VIEW", url)
    assert post(client, settings, simulate.text_xml("o-next-door", "帮助")).status_code == 200
    assert post(client, settings, view).status_code == 200
    assert post(client, settings, simulate.text_xml("o-next-door2", "帮助")).status_code == 200
    openids = set(db_session.scalars(select(Person.openid)))
    assert openids == {"o-viewer", "o-next-door", "o-next-door2"}
    keys = list(
        db_session.scalars(select(MessageLog.dedup_key).where(MessageLog.dedup_key.is_not(None)))
    )
    assert len(keys) == 3
    assert max(len(key) for key in keys) <= 200


def test_the_longest_dedup_key_fits_its_column():
    column = MessageLog.__table__.c.dedup_key.type.length
    longest = inbound.Inbound(
        to_user="gh",
        from_user="o" * inbound.MAX_OPENID,
        create_time=inbound.MAX_CREATE_TIME - 1,
        msg_type="event",
        event="e" * inbound.MAX_NAME,
        event_key="k" * inbound.MAX_KEY_IN_DEDUP,
    )
    assert len(longest.dedup_key) <= column
    hashed = inbound.Inbound("gh", "o", 1, "event", event="view", event_key="u" * 5000)
    assert len(hashed.dedup_key) < 100
    other = inbound.Inbound("gh", "o", 1, "event", event="view", event_key="u" * 4999 + "v")
    assert hashed.dedup_key != other.dedup_key


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MsgId", "9" * 65),
        ("Event", "e" * 33),
        ("CreateTime", "9" * 13),
        ("CreateTime", "-5"),
    ],
)
def test_over_long_identifiers_are_refused(name, value):
    fields = {
        "ToUserName": "gh",
        "FromUserName": "o-x",
        "CreateTime": "1700000000",
        "MsgType": "event" if name == "Event" else "text",
        "Content": "帮助",
        "Event": "click",
    }
    fields[name] = value
    with pytest.raises(inbound.BadMessage):
        inbound.to_inbound(fields)


def test_long_free_text_fields_are_cut():
    fields = {
        "ToUserName": "gh",
        "FromUserName": "o-x",
        "CreateTime": "1700000000",
        "MsgType": "link",
        "Title": "题" * 5000,
        "Url": "https://example.com/" + "a" * 5000,
    }
    message = inbound.to_inbound(fields)
    assert len(message.title) == inbound.MAX_FIELD
    assert len(message.url) == inbound.MAX_FIELD


def test_a_60_kb_text_is_not_matched_and_gets_a_clear_reply(
    client, settings, db_session, monkeypatch
):
    resolved: list[str] = []
    original = router.resolve

    def counting(ctx):
        resolved.append(ctx.message.content)
        return original(ctx)

    monkeypatch.setattr(router, "resolve", counting)
    text = "请问退役军人创业补贴怎么申请" * 1500  # about 63 kB of UTF-8
    response = post(client, settings, simulate.text_xml("o-long", text))
    assert response.status_code == 200
    assert reply_fields(response)["Content"] == TOO_LONG_REPLY
    assert resolved == []
    logged = db_session.scalar(
        select(MessageLog).where(MessageLog.direction == "in", MessageLog.msg_type == "text")
    )
    assert 0 < len(logged.content.encode("utf-8")) <= inbound.MAX_TEXT_BYTES


def test_a_text_at_the_cap_is_answered_normally(client, settings):
    text = "帮" * (inbound.MAX_TEXT_BYTES // 3)  # 3 bytes each: exactly inside the cap
    assert not inbound.capped_text(text)[1]
    assert inbound.capped_text(text + "帮")[1]
    reply = reply_fields(post(client, settings, simulate.text_xml("o-cap", "帮助")))["Content"]
    assert reply != TOO_LONG_REPLY


def test_a_long_voice_recognition_is_cut_too(client, settings):
    xml = simulate.message_xml(
        "o-voice", "voice", {"MediaId": "m1", "Format": "amr", "Recognition": "找工作" * 2000}
    )
    assert reply_fields(post(client, settings, xml))["Content"] == TOO_LONG_REPLY
