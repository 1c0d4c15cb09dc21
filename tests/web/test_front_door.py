"""The front door and the refusal pages (issue 14, item 1): a newcomer who opens `/`, an
unknown address or a method an address does not take reads Chinese, never werkzeug's
English "Not Found", and finds the way to the simulator, the console and the pages."""

from __future__ import annotations

import pytest

ENGLISH = ("Not Found", "Method Not Allowed", "The requested URL")


def _chinese(html: str) -> None:
    assert not any(words in html for words in ENGLISH), html[:300]


def test_the_front_page_links_the_three_parts(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for href in ('href="/simulator"', 'href="/console/"', 'href="/m/"'):
        assert href in html
    assert "聊天模拟器" in html
    assert "工作人员工作台" in html


def test_without_the_simulator_the_front_page_does_not_offer_it(make_app, settings):
    from tests.web.test_simulator import _production_app

    html = _production_app(make_app, settings).test_client().get("/").get_data(as_text=True)
    assert 'href="/simulator"' not in html
    assert 'href="/console/"' in html


def test_the_phone_pages_have_a_front_page(client):
    response = client.get("/m/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for href in (
        "/m/faq",
        "/m/jobs",
        "/m/events",
        "/m/stations",
        "/m/bookings",
        "/m/subscriptions",
    ):
        assert f'href="{href}"' in html
    assert "问题可能已经更新或删除" not in html


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/no-such-page", "回到首页"),
        ("/console/no-such-page", "页面不存在"),
        ("/console/faq/x/y/z", "页面不存在"),
        ("/m/no-such-page", "回到服务首页"),
    ],
)
def test_unknown_addresses_get_a_chinese_404(client, url, words):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    _chinese(html)
    assert "页面不存在" in html
    assert words in html
    assert "问题可能已经更新或删除" not in html  # that is the FAQ's own sentence


def test_a_removed_faq_entry_keeps_its_own_words(client):
    html = client.get("/m/faq/no-such-entry").get_data(as_text=True)
    assert "问题可能已经更新或删除" in html


@pytest.mark.parametrize("url", ["/", "/m/jobs", "/console/login"])
def test_a_wrong_method_gets_a_chinese_405_that_names_the_allowed_ones(client, url):
    response = client.delete(url)
    assert response.status_code == 405
    _chinese(response.get_data(as_text=True))
    assert "不能这样打开" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_other_refusals_are_chinese_too(client):
    response = client.post("/", data="x" * (9 * 1024 * 1024))  # over MAX_CONTENT_LENGTH
    assert response.status_code in (405, 413)
    _chinese(response.get_data(as_text=True))


def test_machine_paths_keep_their_short_answers(client):
    """The WeChat callback, the health check and the simulator's feed are read by
    machines: they keep their own answers, not the people's page."""
    for response in (
        client.get("/wechat"),
        client.post("/healthz"),
        client.get("/simulator/outbox?after=x"),
    ):
        assert 400 <= response.status_code < 500
        assert "回到首页" not in response.get_data(as_text=True)


def test_redirects_are_not_turned_into_pages(client):
    response = client.get("/m")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/m/")
