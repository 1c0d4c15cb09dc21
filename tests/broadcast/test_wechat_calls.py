"""The WeChat calls broadcasts add: mass send by openid list and subscribe messages."""

from __future__ import annotations

import pytest

from core.cache import cache
from core.wechat.api import QuotaExceeded, WeChatAPI, WeChatAPIError


@pytest.fixture
def api(app, api_settings):
    client = WeChatAPI(api_settings, cache, max_attempts=1)
    client.widen_pool(8)
    return client


def test_mass_send_by_openid_list(api, wechat_standin):
    api.mass_send_text(["o-a", "o-b"], "【招聘会】本周六举办")
    (call,) = wechat_standin.calls_to("message/mass/send")
    assert call.body == {
        "touser": ["o-a", "o-b"],
        "msgtype": "text",
        "text": {"content": "【招聘会】本周六举办"},
    }
    assert wechat_standin.delivered_to() == {"o-a": 1, "o-b": 1}


def test_mass_send_needs_two_openids(api):
    with pytest.raises(WeChatAPIError) as caught:
        api.mass_send_text(["o-a"], "一个人不能群发")
    assert caught.value.errcode == 40130


def test_subscribe_message_fields_are_cut_to_twenty_characters(api, wechat_standin):
    api.send_subscribe(
        "o-a", "SUB-1", {"thing1": "金秋招聘月退役军人专场招聘会安亭镇站开始报名"}, page="/m/events"
    )
    body = wechat_standin.calls_to("message/subscribe/bizsend")[0].body
    assert body["template_id"] == "SUB-1"
    assert body["page"] == "/m/events"
    assert len(body["data"]["thing1"]["value"]) == 20
    assert body["data"]["thing1"]["value"][-1] == "…"


def test_quota_errors_keep_their_class(api, wechat_standin):
    wechat_standin.inject("message/mass/send", 45009)
    with pytest.raises(QuotaExceeded):
        api.mass_send_text(["o-a", "o-b"], "额度用完")
