"""The console through a real browser: a district admin imports a CSV of postings and sees
them listed; a file with a bad row shows its line and reason and loads nothing."""

from __future__ import annotations

from datetime import timedelta

from core.jobs.models import JobPosting
from core.timeutil import utcnow
from tests.factories import PASSWORD

SCREENSHOT = "/tmp/console-jobs.png"
HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)


def test_admin_imports_postings_and_sees_them_listed(
    live_server, phone, factories, db_session, tmp_path
):
    admin = factories.staff("jobadmin")
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"B-1,测试公司,仓管,火星,物流运输,5000,6000,,,1,{day}\n", "utf-8")
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER
        + f"B-1,测试物流公司,仓库管理员,江桥镇,物流运输,5000,6000,,,1,{day}\n"
        + f"B-2,测试物业公司,小区保安员,安亭镇,物业保安,4800,5600,,,0,{day}\n",
        "utf-8",
    )

    phone.goto(f"{live_server}/console/jobs/import")
    phone.fill("input[name=username]", admin.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button:has-text('登录')")
    phone.wait_for_url(f"{live_server}/console/jobs/import")

    phone.set_input_files("input[name=file]", str(bad))
    phone.click("button:has-text('上传并导入')")
    phone.get_by_text("未导入任何数据").wait_for()
    assert phone.get_by_text("第 2 行 town 列（街镇）的“火星”").count() == 1
    assert db_session.query(JobPosting).count() == 0

    phone.set_input_files("input[name=file]", str(good))
    phone.click("button:has-text('上传并导入')")
    phone.wait_for_url(f"{live_server}/console/jobs")
    phone.get_by_text("新增 2 个、更新 0 个岗位").wait_for()
    assert phone.get_by_role("link", name="仓库管理员").count() == 1
    assert phone.get_by_role("link", name="小区保安员").count() == 1
    phone.screenshot(path=SCREENSHOT, full_page=True)
    assert db_session.query(JobPosting).count() == 2
