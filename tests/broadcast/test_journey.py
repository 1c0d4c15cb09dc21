"""From the console to the phone: a town's subscribers get a broadcast once (shown in the
simulator), and after `退订` in the chat the next broadcast does not reach them."""

from __future__ import annotations

from core.broadcast import send as broadcast_send
from tests.broadcast.test_console import NEW, _form
from tests.web.test_console import login_as
from tests.wechat import say


def _pushes(client, openid):
    return client.get(f"/simulator/outbox?openid={openid}&after=0").json["messages"]


def test_a_town_broadcast_reaches_its_subscriber_once_and_tuiding_stops_the_next(
    client, factories, subscriber, db_session, settings
):
    subscriber("o-journey-anting", towns=("安亭镇",))
    subscriber("o-journey-nanxiang", towns=("南翔镇",))
    login_as(client, factories)

    client.post(NEW, data=_form(client, confirmed="1"))
    app_settings = client.application.config["SETTINGS"]
    broadcast_send.dispatch(db_session, app_settings)
    broadcast_send.dispatch(db_session, app_settings)  # a second pass sends nothing more

    pushes = _pushes(client, "o-journey-anting")
    assert len(pushes) == 1
    assert "安亭镇退役军人专场招聘会" in pushes[0]["content"]
    assert "退订" in pushes[0]["content"]
    assert _pushes(client, "o-journey-nanxiang") == []

    assert "退订" in say(client, settings, "o-journey-anting", "退订")
    client.post(NEW, data=_form(client, confirmed="1", title="第二场招聘会"))
    broadcast_send.dispatch(db_session, app_settings)
    assert len(_pushes(client, "o-journey-anting")) == 1
