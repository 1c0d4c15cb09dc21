"""One WeChat sample per message type and event (shapes from wechatpy's test fixtures)."""

from __future__ import annotations

from sqlalchemy import select

from bot import simulate
from core.chatlog.models import MessageLog
from core.people.models import HandoverRequest, Person
from core.people.people import get_person
from tests.wechat import post, reply_fields


def send(client, settings, xml):
    response = post(client, settings, xml)
    assert response.status_code == 200
    return response


def content(response) -> str:
    return reply_fields(response).get("Content", "")


def test_text_reply_is_addressed_back(client, settings):
    fields = reply_fields(send(client, settings, simulate.text_xml("o-t1", "帮助")))
    assert fields["ToUserName"] == "o-t1"
    assert fields["FromUserName"] == simulate.ACCOUNT
    assert fields["MsgType"] == "text"


def test_voice_with_recognition_is_treated_as_text(client, settings):
    xml = simulate.message_xml(
        "o-v1", "voice", {"MediaId": "m1", "Format": "amr", "Recognition": "帮助"}
    )
    assert "人工" in content(send(client, settings, xml))


def test_voice_without_recognition_asks_to_type(client, settings):
    xml = simulate.message_xml("o-v2", "voice", {"MediaId": "m1", "Format": "amr"})
    assert "打字" in content(send(client, settings, xml))


def test_image_video_link_file_get_a_short_capabilities_reply(client, settings):
    samples = [
        ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m"}),
        ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("link", {"Title": "标题", "Description": "描述", "Url": "http://example.invalid"}),
        ("file", {"Title": "a.pdf", "FileKey": "k", "FileMd5": "x", "FileTotalLen": 10}),
    ]
    for msg_type, fields in samples:
        text = content(
            send(client, settings, simulate.message_xml(f"o-{msg_type}", msg_type, fields))
        )
        assert "文字" in text, msg_type
        assert "人工" in text, msg_type


def test_location_is_stored(client, settings, db_session):
    text = content(
        send(client, settings, simulate.location_xml("o-loc", 31.2946, 121.163, "安亭镇"))
    )
    assert "已收到您的位置" in text
    person = get_person(db_session, "o-loc")
    assert (person.latitude, person.longitude, person.location_label) == (
        31.2946,
        121.163,
        "安亭镇",
    )


def test_location_out_of_range_is_not_stored(client, settings, db_session):
    text = content(send(client, settings, simulate.location_xml("o-loc2", 200.0, 121.0)))
    assert "重新发送" in text
    assert get_person(db_session, "o-loc2").latitude is None


def test_subscribe_welcomes_and_records_the_qr_scene(client, settings, db_session):
    text = content(
        send(client, settings, simulate.event_xml("o-sub", "subscribe", "qrscene_station12"))
    )
    assert "欢迎关注" in text
    assert "人工" in text
    person = get_person(db_session, "o-sub")
    assert person.subscribed
    assert person.subscribe_scene == "station12"
    assert len(text.encode()) < 2048


def test_unsubscribe_is_recorded_and_silent(client, settings, db_session):
    send(client, settings, simulate.event_xml("o-unsub", "subscribe"))
    response = send(client, settings, simulate.event_xml("o-unsub", "unsubscribe"))
    assert response.get_data(as_text=True) == "success"
    person = get_person(db_session, "o-unsub")
    assert person.subscribed is False
    assert person.unsubscribed_at is not None


def test_scan_event(client, settings):
    xml = simulate.message_xml(
        "o-scan", "event", {"Event": "SCAN", "EventKey": "123", "Ticket": "t"}
    )
    assert "欢迎回来" in content(send(client, settings, xml))


def test_location_event_is_stored_and_answered_success(client, settings, db_session):
    xml = simulate.message_xml(
        "o-le",
        "event",
        {"Event": "LOCATION", "Latitude": 31.38, "Longitude": 121.25, "Precision": 65.0},
    )
    response = send(client, settings, xml)
    assert response.get_data(as_text=True) == "success"
    assert get_person(db_session, "o-le").latitude == 31.38


def test_menu_click_routes_like_a_command(client, settings, db_session):
    text = content(send(client, settings, simulate.event_xml("o-click", "CLICK", "HANDOVER")))
    assert "人工服务" in text
    assert db_session.scalar(select(HandoverRequest)) is not None
    assert "人工" in content(send(client, settings, simulate.event_xml("o-click", "CLICK", "HELP")))


def test_unknown_menu_key_shows_what_exists(client, settings):
    text = content(send(client, settings, simulate.event_xml("o-click2", "CLICK", "OLD_KEY")))
    assert "帮助" in text


def test_view_event_is_success(client, settings):
    response = send(client, settings, simulate.event_xml("o-view", "VIEW", "http://localhost/x"))
    assert response.get_data(as_text=True) == "success"


def test_unknown_type_is_success(client, settings, db_session):
    response = send(
        client, settings, simulate.message_xml("o-unk", "miniprogrampage", {"Title": "x"})
    )
    assert response.get_data(as_text=True) == "success"
    response = send(client, settings, simulate.event_xml("o-unk", "templatesendjobfinish"))
    assert response.get_data(as_text=True) == "success"


def test_every_message_is_logged_with_its_handler(client, settings, db_session):
    send(client, settings, simulate.text_xml("o-log", "帮助"))
    rows = db_session.scalars(select(MessageLog).order_by(MessageLog.id)).all()
    assert [(r.direction, r.msg_type) for r in rows] == [("in", "text"), ("out", "text")]
    assert rows[1].handler == "help.show_help"
    assert rows[1].reply_to_id == rows[0].id
    person = db_session.scalar(select(Person))
    assert person.last_message_at is not None
