"""`/m/jobs`: filters, paging, the detail page, expired and closed postings, bad filters."""

from __future__ import annotations

from datetime import timedelta

from core.jobs.models import CLOSED
from core.timeutil import local_today, utcnow


def test_list_filters_by_town_and_industry(client, factories):
    factories.job_posting(title="安亭装配工", town="安亭镇", industry="制造业")
    factories.job_posting(title="江桥司机", town="江桥镇", industry="物流运输")
    everything = client.get("/m/jobs").get_data(as_text=True)
    assert "安亭装配工" in everything
    assert "江桥司机" in everything
    assert "月薪 6000–9000 元" in everything
    town = client.get("/m/jobs?town=江桥镇").get_data(as_text=True)
    assert "江桥司机" in town
    assert "安亭装配工" not in town
    both = client.get("/m/jobs?town=江桥镇&industry=制造业").get_data(as_text=True)
    assert "暂时没有符合条件的岗位" in both


def test_unknown_filters_and_bad_page_numbers_are_ignored(client, factories):
    factories.job_posting(title="安亭装配工")
    response = client.get("/m/jobs?town=火星&industry=<script>&page=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "安亭装配工" in html
    assert "<script>" not in html.split("<main")[1].split("</form>")[0]


def test_priority_only_and_paging(client, factories):
    now = utcnow()
    for i in range(12):
        factories.job_posting(
            title=f"岗位{i:02d}", published_at=now - timedelta(hours=i), veterans_priority=i == 3
        )
    first = client.get("/m/jobs").get_data(as_text=True)
    assert "岗位00" in first
    assert "岗位10" not in first
    assert "下一页" in first
    second = client.get("/m/jobs?page=2").get_data(as_text=True)
    assert "岗位10" in second
    assert "岗位11" in second
    assert "上一页" in second
    priority = client.get("/m/jobs?priority=1").get_data(as_text=True)
    assert "岗位03" in priority
    assert "岗位00" not in priority


def test_detail_shows_pay_requirements_how_to_apply_and_valid_until(client, factories):
    posting = factories.job_posting(
        title="仓库主管",
        requirements="退役军人优先，能吃苦",
        how_to_apply="电话 021-00000000（示例）",
        veterans_priority=True,
        pay_max=None,
    )
    html = client.get(f"/m/jobs/{posting.id}").get_data(as_text=True)
    assert "仓库主管" in html
    assert "月薪 6000 元起" in html
    assert "能吃苦" in html
    assert "021-00000000" in html
    assert "退役军人优先" in html
    assert "招聘中" in html
    until = posting.valid_until
    assert f"至 {until.month}月{until.day}日" in html


def test_an_expired_or_closed_posting_opens_as_ended_and_leaves_the_list(client, factories):
    old = factories.job_posting(title="过期岗位", valid_until=local_today() - timedelta(days=1))
    closed = factories.job_posting(title="关闭岗位", status=CLOSED)
    for posting in (old, closed):
        html = client.get(f"/m/jobs/{posting.id}").get_data(as_text=True)
        assert "已结束" in html
    listing = client.get("/m/jobs").get_data(as_text=True)
    assert "过期岗位" not in listing
    assert "关闭岗位" not in listing


def test_unknown_posting_is_a_kind_404(client):
    response = client.get("/m/jobs/999999")
    assert response.status_code == 404
    assert "没有找到这个岗位" in response.get_data(as_text=True)
