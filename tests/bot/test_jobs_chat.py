"""`找工作` in chat: matching postings five at a time, `更多`, a hint to subscribe, Redis down."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import simulate
from core.jobs.models import Subscription
from core.timeutil import utcnow
from tests.wechat import post, reply_fields, say

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def seven_postings(factories):
    now = utcnow()
    return [
        factories.job_posting(
            title=f"岗位{i}",
            town="安亭镇" if i % 2 == 0 else "江桥镇",
            published_at=now - timedelta(hours=i),
        )
        for i in range(7)
    ]


def test_newest_five_with_pay_and_links_then_more(client, settings, seven_postings):
    first = say(client, settings, "o-jobs", "找工作")
    assert "共 7 个在招岗位" in first
    assert "1. 岗位0 · 测试汽车零部件公司 · 安亭镇 · 月薪 6000–9000 元" in first
    assert f"/m/jobs/{seven_postings[0].id}" in first
    assert "岗位5" not in first
    assert "回复“更多”" in first
    assert "回复“订阅”" in first
    assert len(first.encode("utf-8")) < 2048
    more = say(client, settings, "o-jobs", "更多")
    assert "6. 岗位5" in more
    assert "7. 岗位6" in more
    assert "岗位0" not in more
    assert "全部符合条件" in more
    done = say(client, settings, "o-jobs", "更多")
    assert "都看过了" in done


def test_a_subscriber_sees_only_their_town(client, settings, factories, db_session, seven_postings):
    person = factories.person("o-anting")
    db_session.add(Subscription(person_id=person.id, jobs=True, towns=["安亭镇"]))
    db_session.commit()
    reply = say(client, settings, "o-anting", "岗位")
    assert "共 4 个在招岗位（按您的订阅：安亭镇；行业不限）" in reply
    assert "江桥镇" not in reply.split("按街镇")[0].replace("（按您的订阅", "")
    assert "回复“订阅”" not in reply


def test_no_matching_postings_says_so_and_links_all(client, settings, factories, db_session):
    factories.job_posting(town="江桥镇")
    person = factories.person("o-none")
    db_session.add(Subscription(person_id=person.id, jobs=True, towns=["外冈镇"]))
    db_session.commit()
    reply = say(client, settings, "o-none", "招聘")
    assert "暂时没有符合您订阅条件的岗位" in reply
    assert "/m/jobs" in reply


def test_expired_postings_are_not_offered(client, settings, factories):
    factories.job_posting(title="已过期", valid_until=utcnow().date() - timedelta(days=2))
    reply = say(client, settings, "o-empty", "找工作")
    assert "暂时没有在招的岗位" in reply


def test_menu_jobs_key_lists_postings(client, settings, seven_postings):
    response = post(client, settings, simulate.event_xml("o-menu", "CLICK", "JOBS"))
    assert "1. 岗位0" in reply_fields(response)["Content"]


def test_redis_down_cannot_page_but_links_the_page(make_app, settings, seven_postings):
    client = make_app(redis_url=DEAD_REDIS).test_client()
    first = say(client, settings, "o-down", "找工作")
    assert "1. 岗位0" in first
    assert "暂时没法在聊天里翻页" in first
    more = say(client, settings, "o-down", "更多")
    assert "暂时没法在聊天里翻页" in more
    assert "/m/jobs" in more


def test_long_postings_still_fit_one_reply_and_more_carries_on(client, settings, factories):
    now = utcnow()
    for i in range(6):
        factories.job_posting(
            title=f"长标题岗位{i}" + "很长的岗位名称" * 12,
            employer="很长的单位名称有限公司" * 8,
            published_at=now - timedelta(hours=i),
        )
    first = say(client, settings, "o-long", "找工作")
    assert len(first.encode("utf-8")) <= 2000
    assert first.rstrip().endswith('/m/jobs">按街镇、行业筛选岗位</a>')
    assert "回复“更多”" in first
    shown = first.count("/m/jobs/")
    assert 1 <= shown < 5
    more = say(client, settings, "o-long", "更多")
    assert f"{shown + 1}. 长标题岗位{shown}" in more
