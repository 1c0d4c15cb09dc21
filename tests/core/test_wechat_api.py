"""The outbound WeChat client against the stand-in server: token sharing, retries, degradation."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from core.cache import Cache
from core.config import Settings
from core.wechat.api import (
    OutsideServiceWindow,
    QuotaExceeded,
    TooManyMessages,
    TransientError,
    WeChatAPI,
    WeChatAPIError,
)
from tests.standin import Call, Hang, HTTPError, WeChatStandIn

TIMEOUT = 0.5
OPENID = "o-user-1"


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    with WeChatStandIn(app_id="wxtest", secret="s") as server:
        yield server


@pytest.fixture
def settings(standin: WeChatStandIn) -> Settings:
    return Settings().with_overrides(
        wechat_app_id="wxtest",
        wechat_app_secret="s",
        wechat_api_base_url=standin.base_url,
        wechat_api_timeout=TIMEOUT,
        redis_prefix=f"test-{uuid.uuid4().hex}:",
        redis_url="memory://",
    )


def new_cache(settings: Settings) -> Cache:
    cache = Cache()
    cache.configure(settings)
    return cache


@pytest.fixture
def cache(settings: Settings) -> Cache:
    return new_cache(settings)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def api(settings: Settings, cache: Cache, sleeps: list[float]) -> WeChatAPI:
    return WeChatAPI(settings, cache, sleep=sleeps.append)


def tokens_used(standin: WeChatStandIn, path: str) -> list[str]:
    return [c.query["access_token"] for c in standin.calls_to(path)]


def token_requests(standin: WeChatStandIn) -> list[dict[str, Any]]:
    return [c.body for c in standin.calls_to("stable_token")]


def test_token_is_fetched_once_and_shared_by_workers(
    standin: WeChatStandIn, settings: Settings, sleeps: list[float]
) -> None:
    worker_a = WeChatAPI(settings, new_cache(settings), sleep=sleeps.append)
    worker_b = WeChatAPI(settings, new_cache(settings), sleep=sleeps.append)

    worker_a.send_text(OPENID, "one")
    worker_b.send_text(OPENID, "two")

    assert standin.token_fetches == 1
    assert token_requests(standin) == [
        {
            "grant_type": "client_credential",
            "appid": "wxtest",
            "secret": "s",
            "force_refresh": False,
        }
    ]
    assert standin.calls_to("token") == []  # never the endpoint that invalidates other tokens
    assert tokens_used(standin, "message/custom/send") == ["TOKEN-1", "TOKEN-1"]
    cache = new_cache(settings)
    key = cache.key("wechat", "access_token")
    assert cache.get(key) == "TOKEN-1"
    assert 0 < cache.call("ttl", key) < 7200  # dropped from Redis before WeChat expires it


def test_simultaneous_demand_fetches_the_token_once(
    standin: WeChatStandIn, settings: Settings
) -> None:
    standin.latency = 0.05  # the fetch is still in flight while the others ask
    workers = [WeChatAPI(settings, new_cache(settings)) for _ in range(10)]
    barrier = threading.Barrier(len(workers))
    results: list[str] = []

    def need_token(worker: WeChatAPI) -> None:
        barrier.wait()
        results.append(worker.access_token())

    threads = [threading.Thread(target=need_token, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)

    assert results == ["TOKEN-1"] * 10
    assert standin.token_fetches == 1


def test_rejected_token_is_force_refreshed_once_and_the_call_retried(
    standin: WeChatStandIn, api: WeChatAPI, cache: Cache, sleeps: list[float]
) -> None:
    assert api.access_token() == "TOKEN-1"
    standin.expire_tokens()  # as if someone called /cgi-bin/token elsewhere

    result = api.send_text(OPENID, "hello")

    assert result["errcode"] == 0
    assert tokens_used(standin, "message/custom/send") == ["TOKEN-1", "TOKEN-2"]
    assert [body["force_refresh"] for body in token_requests(standin)] == [False, True]
    assert cache.get(cache.key("wechat", "access_token")) == "TOKEN-2"
    assert sleeps == []  # a token refresh is not a backoff


def test_repeated_token_rejection_raises_instead_of_looping(
    standin: WeChatStandIn, api: WeChatAPI
) -> None:
    standin.inject("message/custom/send", *[40001] * 5)

    with pytest.raises(WeChatAPIError) as caught:
        api.send_text(OPENID, "hello")

    assert caught.value.errcode == 40001
    assert not isinstance(caught.value, TransientError)
    assert caught.value.user_message
    assert len(standin.calls_to("message/custom/send")) == 2
    assert standin.token_fetches == 2  # the first fetch and one forced refresh


def test_no_forced_refresh_when_another_worker_already_refreshed(
    standin: WeChatStandIn, api: WeChatAPI, settings: Settings
) -> None:
    other_worker = new_cache(settings)

    def refreshed_meanwhile(call: Call) -> int:
        new_token = standin.issue_token()
        other_worker.set(other_worker.key("wechat", "access_token"), new_token, 7000)
        return 40001

    api.access_token()
    standin.inject("message/custom/send", refreshed_meanwhile)

    assert api.send_text(OPENID, "hello")["errcode"] == 0
    assert tokens_used(standin, "message/custom/send") == ["TOKEN-1", "TOKEN-2"]
    assert standin.token_fetches == 1  # the other worker's token was used as it was


@pytest.mark.parametrize(
    ("errcode", "error_class", "message"),
    [
        (45015, OutsideServiceWindow, "48小时"),
        (45047, TooManyMessages, "条数超过上限"),
        (45009, QuotaExceeded, "今日限额"),
        (40003, WeChatAPIError, "openid"),
    ],
)
def test_business_errors_raise_their_exception_without_retry(
    standin: WeChatStandIn,
    api: WeChatAPI,
    sleeps: list[float],
    errcode: int,
    error_class: type[WeChatAPIError],
    message: str,
) -> None:
    standin.inject("message/custom/send", errcode)

    with pytest.raises(WeChatAPIError) as caught:
        api.send_text(OPENID, "hello")

    assert type(caught.value) is error_class
    assert caught.value.errcode == errcode
    assert message in caught.value.user_message
    assert len(standin.calls_to("message/custom/send")) == 1
    assert sleeps == []


@pytest.mark.parametrize("failure", [-1, HTTPError(500)])
def test_transient_failure_is_retried_with_growing_backoff(
    standin: WeChatStandIn, api: WeChatAPI, sleeps: list[float], failure: Any
) -> None:
    standin.inject("message/custom/send", failure, failure)

    assert api.send_text(OPENID, "hello")["errcode"] == 0

    assert len(standin.calls_to("message/custom/send")) == 3
    assert len(sleeps) == 2
    assert 0 < sleeps[0] < sleeps[1]


def test_system_busy_gives_up_after_max_attempts(
    standin: WeChatStandIn, api: WeChatAPI, sleeps: list[float]
) -> None:
    standin.inject("message/custom/send", -1, -1, -1, -1)

    with pytest.raises(TransientError) as caught:
        api.send_text(OPENID, "hello")

    assert caught.value.errcode == -1
    assert len(standin.calls_to("message/custom/send")) == 3
    assert len(sleeps) == 2


def test_hang_longer_than_timeout_fails_within_bounded_time(
    standin: WeChatStandIn, api: WeChatAPI, sleeps: list[float]
) -> None:
    api.access_token()
    standin.inject("message/custom/send", *[Hang(10)] * 3)

    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        api.send_text(OPENID, "hello")
    elapsed = time.monotonic() - started

    assert caught.value.errcode is None
    assert caught.value.user_message
    assert len(standin.calls_to("message/custom/send")) == 3
    assert len(sleeps) == 2
    assert elapsed < 3 * TIMEOUT + 1.0


def test_token_fetch_failure_is_reported_not_retried(
    standin: WeChatStandIn, settings: Settings, cache: Cache, sleeps: list[float]
) -> None:
    api = WeChatAPI(settings.with_overrides(wechat_app_secret="wrong"), cache, sleep=sleeps.append)

    with pytest.raises(WeChatAPIError) as caught:
        api.send_text(OPENID, "hello")

    assert caught.value.errcode == 40125
    assert "AppSecret" in caught.value.user_message
    assert standin.token_fetches == 1
    assert standin.calls_to("message/custom/send") == []


def test_redis_down_still_sends_with_an_in_process_token(
    standin: WeChatStandIn, settings: Settings, sleeps: list[float]
) -> None:
    down = settings.with_overrides(redis_url="redis://127.0.0.1:1/0")
    api = WeChatAPI(down, new_cache(down), sleep=sleeps.append)

    api.send_text(OPENID, "one")
    api.send_text(OPENID, "two")
    standin.expire_tokens()
    api.send_text(OPENID, "three")

    assert tokens_used(standin, "message/custom/send") == [
        "TOKEN-1",
        "TOKEN-1",
        "TOKEN-1",
        "TOKEN-2",
    ]
    # Without the shared lock, ask for the current token before forcing a new one.
    assert [body["force_refresh"] for body in token_requests(standin)] == [False, False]


def test_template_values_are_cut_to_twenty_characters(
    standin: WeChatStandIn, api: WeChatAPI
) -> None:
    long_value = "嘉定区退役军人就业服务站将于明天上午九点举办专场招聘会"
    result = api.send_template(
        OPENID,
        "TPL-1",
        {"thing1": long_value, "time2": "2024-06-01 09:00"},
        url="https://x.test/b/1",
    )

    assert result["msgid"]
    (call,) = standin.calls_to("message/template/send")
    assert call.body["touser"] == OPENID
    assert call.body["template_id"] == "TPL-1"
    assert call.body["url"] == "https://x.test/b/1"
    sent = call.body["data"]["thing1"]["value"]
    assert len(sent) == 20
    assert sent.startswith(long_value[:19])
    assert call.body["data"]["time2"] == {"value": "2024-06-01 09:00"}


def test_template_without_url_sends_no_url(standin: WeChatStandIn, api: WeChatAPI) -> None:
    api.send_template(OPENID, "TPL-1", {"thing1": "ok"})

    assert "url" not in standin.calls_to("message/template/send")[0].body


def test_news_link_sends_one_article(standin: WeChatStandIn, api: WeChatAPI) -> None:
    api.send_news_link(OPENID, "岗位列表", "本周新岗位", "https://x.test/jobs")

    (call,) = standin.calls_to("message/custom/send")
    assert call.body["msgtype"] == "news"
    (article,) = call.body["news"]["articles"]
    assert (article["title"], article["description"], article["url"]) == (
        "岗位列表",
        "本周新岗位",
        "https://x.test/jobs",
    )


def test_create_menu_posts_the_menu_json(standin: WeChatStandIn, api: WeChatAPI) -> None:
    menu = {
        "button": [
            {"type": "click", "name": "找工作", "key": "JOBS"},
            {
                "name": "服务",
                "sub_button": [{"type": "view", "name": "预约", "url": "https://x.test"}],
            },
        ]
    }

    assert api.create_menu(menu)["errcode"] == 0

    (call,) = standin.calls_to("menu/create")
    assert call.body == menu
    assert call.query["access_token"] == "TOKEN-1"


def test_jsapi_ticket_is_cached_in_redis(
    standin: WeChatStandIn, api: WeChatAPI, settings: Settings
) -> None:
    first = api.jsapi_ticket()
    second_worker = WeChatAPI(settings, new_cache(settings))

    assert second_worker.jsapi_ticket() == first == "TICKET-TOKEN-1"
    (call,) = standin.calls_to("ticket/getticket")
    assert call.query["type"] == "jsapi"
