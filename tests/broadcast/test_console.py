"""Broadcasts in the console: compose, preview the plan, send, watch the progress, the report;
bad fields get a Chinese message and keep what was typed; district admins only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.broadcast import send as broadcast_send
from core.broadcast.models import CANCELLED, DONE, SCHEDULED, Broadcast
from core.staff.models import STATION_STAFF
from core.timeutil import LOCAL_TZ, utcnow
from tests.broadcast.conftest import LONG_AGO
from tests.web.test_console import csrf_token, login_as

NEW = "/console/broadcasts/new"


def _form(client, **fields):
    data = {
        "csrf_token": csrf_token(client, NEW),
        "title": "安亭镇退役军人专场招聘会",
        "body": "11月28日上午9点，安亭镇社区事务受理服务中心，欢迎参加。",
        "kind": "notice",
        "segment": "town",
        "town": "安亭镇",
        "category": "jobs",
        "when": "now",
        "send_at": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def admin(client, factories):
    return login_as(client, factories)


@pytest.fixture
def anting(subscriber):
    subscriber("o-anting-1", towns=("安亭镇",))
    subscriber("o-anting-2", towns=("安亭镇",), last_message_at=LONG_AGO)
    subscriber("o-nanxiang", towns=("南翔镇",))


def test_preview_shows_the_count_and_channels_then_send(client, admin, anting, db_session):
    preview = client.post(NEW, data=_form(client))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "共 2 人" in page
    assert "客服消息" in page
    assert "无法送达" in page
    assert "确认发送给 2 人" in page
    assert db_session.scalars(select(Broadcast)).all() == []  # nothing saved by a preview

    sent = client.post(NEW, data=_form(client, confirmed="1"))
    assert sent.status_code == 302
    made = db_session.scalars(select(Broadcast)).one()
    assert sent.headers["Location"].endswith(f"/console/broadcasts/{made.id}")
    assert (made.status, made.segment, made.segment_value) == (SCHEDULED, "town", "安亭镇")

    progress = client.get(f"/console/broadcasts/{made.id}/progress.json").json
    assert progress["percent"] == 0
    assert progress["ledger_ready"] is False

    broadcast_send.dispatch(db_session, client.application.config["SETTINGS"])

    progress = client.get(f"/console/broadcasts/{made.id}/progress.json").json
    assert progress["status"] == DONE
    assert progress["percent"] == 100
    assert (progress["total"], progress["sent"], progress["skipped"]) == (2, 1, 1)
    detail = client.get(f"/console/broadcasts/{made.id}").get_data(as_text=True)
    assert "发送报告" in detail
    assert "超出48小时互动时限" in detail
    history = client.get("/console/broadcasts").get_data(as_text=True)
    assert "安亭镇退役军人专场招聘会" in history
    assert "已完成" in history


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "请填写标题。"),
        ({"title": "标" * 41}, "标题不超过40个字。"),
        ({"body": "   "}, "请填写内容。"),
        ({"body": "字" * 501}, "内容不超过500个字"),
        ({"town": "浦东新区"}, "请选择街镇。"),
        ({"segment": "event", "event_id": "12345"}, "请选择活动。"),
        ({"segment": "nobody"}, "请选择发送对象。"),
        ({"when": "later", "send_at": ""}, "请选择定时发送的时间。"),
        ({"when": "later", "send_at": "明天上午"}, "时间格式不对"),
        ({"when": "later", "send_at": "2020-01-01T09:00"}, "须晚于现在"),
    ],
)
def test_bad_fields_are_explained_and_nothing_is_saved(client, admin, db_session, fields, message):
    response = client.post(NEW, data=_form(client, confirmed="1", **fields))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert db_session.scalars(select(Broadcast)).all() == []
    if fields.get("body", "").strip():
        assert fields["body"] in page  # what was typed is kept


def test_a_scheduled_broadcast_can_be_cancelled(client, admin, anting, db_session):
    at = (utcnow() + timedelta(days=1)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    client.post(NEW, data=_form(client, when="later", send_at=at, confirmed="1"))
    made = db_session.scalars(select(Broadcast)).one()
    assert made.status == SCHEDULED
    assert made.send_at > utcnow()

    page = f"/console/broadcasts/{made.id}"
    response = client.post(f"{page}/cancel", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    db_session.refresh(made)
    assert made.status == CANCELLED
    again = client.post(f"{page}/cancel", data={"csrf_token": csrf_token(client, page)})
    assert "无法取消" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, admin, db_session):
    data = _form(client, confirmed="1")
    del data["csrf_token"]
    assert client.post(NEW, data=data).status_code == 400
    assert db_session.scalars(select(Broadcast)).all() == []


def test_station_staff_and_strangers_are_kept_out(client, factories, broadcast):
    made = broadcast()
    urls = ["/console/broadcasts", NEW, f"/console/broadcasts/{made.id}"]
    urls.append(f"/console/broadcasts/{made.id}/progress.json")
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    login_as(client, factories, role=STATION_STAFF)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.get("/console/broadcasts/999999").status_code == 403


def test_an_unknown_broadcast_is_a_404(client, admin):
    assert client.get("/console/broadcasts/999999").status_code == 404
    assert client.get("/console/broadcasts/999999/progress.json").status_code == 404


def test_a_postings_digest_can_be_started_from_the_weeks_postings(client, admin, factories):
    empty = client.get(f"{NEW}?fill=postings").get_data(as_text=True)
    assert "近7天没有新发布的岗位。" in empty

    factories.job_posting(title="数控操作工", veterans_priority=True)
    page = client.get(f"{NEW}?fill=postings").get_data(as_text=True)
    assert "本周新岗位" in page
    assert "数控操作工" in page
    assert "【退役军人优先】" in page
    assert re.search(r'<input checked[^>]*name="segment"[^>]*value="category"', page)
