"""The console's import pages in a real browser at a desk's width (1280 px): a file with bad
values shows each problem with its row, column and the value as written (a long one
shortened), the page does not overflow sideways, and nothing is imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from core.booking import station_csv
from core.booking.models import Station
from core.jobs.models import JobPosting
from core.timeutil import utcnow
from tests.factories import PASSWORD

SCREENSHOT = "/tmp/console-csv-errors.png"
JOB_HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)


@pytest.fixture
def desk(_browser: Any) -> Iterator[Any]:
    """A fresh desktop page, 1280 px wide, as staff use the console."""
    context = _browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Any, live_server: str, factories: Any, path: str) -> None:
    admin = factories.staff("csvadmin")
    page.goto(f"{live_server}{path}")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{live_server}{path}")


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_job_import_errors_quote_each_bad_value(live_server, desk, factories, db_session, tmp_path):
    log_in(desk, live_server, factories, "/console/jobs/import")
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    long = "一家名字特别特别长的测试用人单位" * 8
    bad = tmp_path / "jobs.csv"
    bad.write_text(
        JOB_HEADER
        + "B-1,测试物流公司,仓库管理员,浦东新区,物流运输,八千,,,,1,2026/13/01\n"
        + f"B-2,{long},保安员,安亭镇,物业保安,,,,,0,{day}\n",
        encoding="gb18030",  # as Excel on Chinese Windows saves it
    )
    desk.set_input_files("input[name=file]", str(bad))
    desk.click("button:has-text('上传并导入')")
    desk.get_by_text("未导入任何数据：文件中有 4 处问题").wait_for()
    for shown in (
        "第 2 行 town 列（街镇）的“浦东新区”",
        "第 2 行 pay_min 列（月薪下限）的“八千”",
        "第 2 行 valid_until 列（有效期至）的“2026/13/01”",
        f"第 3 行 employer 列（用人单位）的“{long[:30]}…（共 {len(long)} 个字符）”",
    ):
        assert desk.get_by_text(shown).is_visible(), shown
    assert no_sideways_scroll(desk)
    desk.screenshot(path=SCREENSHOT, full_page=True)
    assert db_session.query(JobPosting).count() == 0


def test_station_import_names_a_short_row_and_a_bad_town(
    live_server, desk, factories, db_session, tmp_path
):
    log_in(desk, live_server, factories, "/console/stations/import")
    bad = tmp_path / "stations.csv"
    bad.write_text(
        ",".join(station_csv.COLUMNS)
        + "\nS-1,浦东服务站,浦东新区,,,,,1,3,30,1,14,120,2,1-5 09:00-11:30,0,\nS-2,短行\n",
        encoding="utf-8",
    )
    desk.set_input_files("input[name=file]", str(bad))
    desk.click("button:has-text('上传并导入')")
    desk.get_by_text("未导入任何数据：文件中有 2 处问题").wait_for()
    assert desk.get_by_text("第 2 行 town 列（街镇）的“浦东新区”").is_visible()
    assert desk.get_by_text("第 3 行：有 2 列，第一行的列名有 17 列").is_visible()
    assert no_sideways_scroll(desk)
    assert db_session.query(Station).count() == 0
