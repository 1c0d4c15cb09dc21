"""Pushes go to WeChat's API with credentials, to the outbox without; the 48-hour rule holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.chatlog.models import MessageLog
from core.timeutil import utcnow
from core.wechat import outbound
from core.wechat.models import OutboxMessage


def test_embedded_mode_writes_the_outbox(app, settings, db_session, factories):
    person = factories.person("o-out1")
    outbound.send_text(db_session, settings, person, "您好", handler="test")
    db_session.commit()
    row = db_session.scalar(select(OutboxMessage))
    assert (row.openid, row.content) == ("o-out1", "您好")
    assert db_session.scalar(select(MessageLog)).channel == "outbox"


def test_outside_48_hours_is_refused_with_a_reason(app, settings, db_session, factories):
    person = factories.person("o-out2", last_message_at=utcnow() - timedelta(hours=49))
    with pytest.raises(outbound.DeliveryRefused, match="48小时"):
        outbound.send_text(db_session, settings, person, "您好", handler="test")
    assert db_session.scalar(select(OutboxMessage)) is None


def test_unsubscribed_is_refused(app, settings, db_session, factories):
    person = factories.person("o-out3", subscribed=False)
    with pytest.raises(outbound.DeliveryRefused, match="取消关注"):
        outbound.send_text(db_session, settings, person, "您好", handler="test")


def test_with_credentials_the_real_client_sends(
    app, settings, db_session, factories, wechat_standin
):
    live = settings.with_overrides(
        wechat_app_id="wxlive",
        wechat_app_secret="secret",
        wechat_api_base_url=wechat_standin.base_url,
    )
    person = factories.person("o-out4")
    outbound.send_text(db_session, live, person, "工作人员回复", handler="test")
    sends = wechat_standin.calls_to("message/custom/send")
    assert len(sends) == 1
    assert sends[0].body["touser"] == "o-out4"
    assert db_session.scalar(select(OutboxMessage)) is None


def test_wechat_45015_becomes_a_refusal(app, settings, db_session, factories, wechat_standin):
    live = settings.with_overrides(
        wechat_app_id="wxlive2",
        wechat_app_secret="secret",
        wechat_api_base_url=wechat_standin.base_url,
    )
    wechat_standin.inject("message/custom/send", 45015)
    person = factories.person("o-out5")
    with pytest.raises(outbound.DeliveryRefused):
        outbound.send_text(db_session, live, person, "工作人员回复", handler="test")
