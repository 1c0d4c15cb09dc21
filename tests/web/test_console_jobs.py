"""Postings in the console (district admins only): publish with the shared rules, keep what
was typed on a refused form, close and reopen, import a CSV all-or-nothing, export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from core.jobs.models import CLOSED, OPEN, JobPosting
from core.staff.models import STATION_STAFF
from tests.clock import frozen_clock
from tests.jobs.conftest import NOW, posting_row
from tests.web.test_console import csrf_token, login_as

HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)


@pytest.fixture
def admin(client, factories, monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield login_as(client, factories)


def all_postings(db_session):
    db_session.expire_all()
    return list(db_session.scalars(select(JobPosting).order_by(JobPosting.id)))


def test_posting_pages_are_for_district_admins_only(client, factories):
    posting = factories.job_posting()
    pages = [
        "/console/jobs",
        "/console/jobs/new",
        f"/console/jobs/{posting.id}",
        "/console/jobs/import",
        "/console/jobs/export.csv",
    ]
    login_as(client, factories, role=STATION_STAFF)
    for url in pages:
        page = client.get(url)
        assert page.status_code == 403, url
        assert "无权访问" in page.text, url
    token = csrf_token(client, "/console/")
    for url in (pages[1], pages[2], f"/console/jobs/{posting.id}/close"):
        forged = {"csrf_token": token, **posting_row()}
        assert client.post(url, data=forged).status_code == 403, url
    assert "岗位</a>" not in client.get("/console/").text
    assert posting.status == OPEN


def test_a_post_without_the_csrf_token_is_refused(client, factories, admin, db_session):
    response = client.post("/console/jobs/new", data=posting_row())
    assert response.status_code == 400
    assert "页面已过期" in response.text
    assert all_postings(db_session) == []


def test_publish_a_posting_and_see_it_listed(client, admin, db_session):
    token = csrf_token(client, "/console/jobs/new")
    data = {"csrf_token": token, **posting_row(veterans_priority="y")}
    response = client.post("/console/jobs/new", data=data)
    assert response.status_code == 302
    [posting] = all_postings(db_session)
    assert posting.status == OPEN
    assert posting.veterans_priority
    page = client.get("/console/jobs").text
    assert "已发布岗位“设备维修工”" in page
    assert "设备维修工" in page
    assert "月薪 6000–8000 元" in page
    assert "退役军人优先" in page


def test_a_refused_form_keeps_what_was_typed_and_names_each_problem(client, admin, db_session):
    token = csrf_token(client, "/console/jobs/new")
    data = {
        "csrf_token": token,
        **posting_row(employer="", pay_min="9000", pay_max="8000", valid_until="2026-11-30"),
        "requirements": "要求写了很多，不能丢",
    }
    page = client.post("/console/jobs/new", data=data)
    assert page.status_code == 200
    text = page.text
    assert "未保存" in text
    assert "请填写用人单位" in text
    assert "月薪上限不能低于下限" in text
    assert "有效期不能早于今天" in text
    assert "要求写了很多，不能丢" in text
    assert 'value="9000"' in text
    assert all_postings(db_session) == []


def test_edit_close_and_reopen(client, admin, factories, db_session):
    posting = factories.job_posting(title="旧岗位名", valid_until=date(2026, 12, 20))
    url = f"/console/jobs/{posting.id}"
    page = client.get(url).text
    assert 'value="旧岗位名"' in page
    assert 'value="2026-12-20"' in page
    token = csrf_token(client, url)
    row = posting_row(ref=posting.ref or "", title="新岗位名", valid_until="2026-12-20")
    assert client.post(url, data={"csrf_token": token, **row}).status_code == 302
    assert all_postings(db_session)[0].title == "新岗位名"

    closed = client.post(f"{url}/close", data={"csrf_token": token}, follow_redirects=True)
    assert "已下架" in closed.text
    assert all_postings(db_session)[0].status == CLOSED
    assert "新岗位名" in client.get("/console/jobs?status=closed").text
    assert "新岗位名" not in client.get("/console/jobs").text

    reopened = client.post(f"{url}/reopen", data={"csrf_token": token}, follow_redirects=True)
    assert "已重新发布" in reopened.text
    assert all_postings(db_session)[0].status == OPEN


def test_an_expired_posting_is_not_reopened(client, admin, factories, db_session):
    posting = factories.job_posting(valid_until=date(2026, 11, 1), status=CLOSED)
    token = csrf_token(client, "/console/jobs?status=closed")
    page = client.post(
        f"/console/jobs/{posting.id}/reopen", data={"csrf_token": token}, follow_redirects=True
    )
    assert "已过有效期" in page.text
    assert all_postings(db_session)[0].status == CLOSED


def test_search_finds_by_employer(client, admin, factories):
    factories.job_posting(employer="甲物流公司", title="仓管")
    factories.job_posting(employer="乙保安公司", title="门卫")
    page = client.get("/console/jobs?q=乙保安").text
    assert "门卫" in page
    assert "仓管" not in page
    assert "没有找到包含“丙”的岗位" in client.get("/console/jobs?q=丙").text


def upload(client, text: str | bytes, name: str = "jobs.csv"):
    token = csrf_token(client, "/console/jobs/import")
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/console/jobs/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_shows_every_bad_row_and_loads_nothing(client, admin, db_session):
    text = (
        HEADER
        + "A-1,测试公司,仓管,江桥镇,物流运输,5000,6000,,,1,2026-12-31\n"
        + "A-2,,保安,江桥镇,物业保安,5000,6000,,,0,2026-12-31\n"
        + "A-3,测试公司,厨师,火星,餐饮住宿,5000,6000,,,0,2026-12-31\n"
    )
    page = upload(client, text)
    assert page.status_code == 200
    assert "未导入任何数据：文件中有 2 处问题" in page.text
    assert "第 3 行 employer 列（用人单位）为空：请填写用人单位" in page.text
    assert "第 4 行 town 列（街镇）的“火星”：请从嘉定区的街镇中选择" in page.text
    assert all_postings(db_session) == []


def test_import_a_good_file_then_export_it(client, admin, db_session):
    text = "\ufeff" + HEADER + "A-1,测试公司,仓管,江桥镇,物流运输,5000,6000,,,1,2026-12-31\n"
    response = upload(client, text)
    assert response.status_code == 302
    assert "新增 1 个、更新 0 个岗位" in client.get("/console/jobs").text
    exported = client.get("/console/jobs/export.csv")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="jobs-20261202.csv"'
    body = exported.get_data(as_text=True)
    assert body.startswith("\ufeffref,employer")
    assert "A-1,测试公司,仓管" in body
    assert upload(client, body).status_code == 302
    assert len(all_postings(db_session)) == 1


def test_import_without_a_file_says_so(client, admin):
    token = csrf_token(client, "/console/jobs/import")
    page = client.post("/console/jobs/import", data={"csrf_token": token})
    assert "请选择要导入的 CSV 文件" in page.text
