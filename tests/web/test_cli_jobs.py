"""`vetbot jobs import/export`: all rows or none with each bad row named, and an export that
imports back unchanged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.db import db
from core.jobs.models import JobPosting
from core.timeutil import utcnow
from web.cli import main

HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)


def posting_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(JobPosting)) or 0


def test_import_then_export_and_import_back(runner, tmp_path):
    source = tmp_path / "jobs.csv"
    source.write_text(
        "\ufeff"
        + HEADER
        + "C-1,测试公司,仓管,江桥镇,物流运输,5000,6000,,,1,2099-01-01\n"
        + ",测试公司,保安,南翔镇,物业保安,,,,,0,2099-01-01\n",
        encoding="utf-8",
    )
    # 2099 is more than a year ahead: refused, nothing loaded.
    refused = runner.invoke(main, ["jobs", "import", str(source)])
    assert refused.exit_code == 1
    assert "第 2 行 valid_until 列（有效期至）的“2099-01-01”：有效期最长一年" in refused.output
    assert "第 3 行 valid_until 列" in refused.output
    assert "2 处问题" in refused.output
    assert posting_count() == 0

    day = (utcnow() + timedelta(days=20)).date().isoformat()
    source.write_text(source.read_text(encoding="utf-8").replace("2099-01-01", day), "utf-8")
    result = runner.invoke(main, ["jobs", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "新增 2 个、更新 0 个岗位" in result.output
    assert posting_count() == 2

    target = tmp_path / "out" / "jobs.csv"
    exported = runner.invoke(main, ["jobs", "export", "--to", str(target)])
    assert exported.exit_code == 0
    assert f"已导出 2 个岗位到 {target}" in exported.output
    again = runner.invoke(main, ["jobs", "import", str(target)])
    assert again.exit_code == 0
    assert "新增 0 个、更新 2 个岗位" in again.output
    stdout = runner.invoke(main, ["jobs", "export"])
    assert stdout.output == target.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_bad_values_are_quoted_and_a_short_row_named(runner, tmp_path):
    source = tmp_path / "bad.csv"
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    source.write_text(
        HEADER + f"C-1,测试公司,仓管,浦东新区,物流运输,八千,,,,1,{day}\nC-2,测试公司\n",
        encoding="gb18030",
    )
    result = runner.invoke(main, ["jobs", "import", str(source)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("第 2 行 town 列（街镇）的“浦东新区”：")
    assert lines[1].startswith("第 2 行 pay_min 列（月薪下限）的“八千”：")
    assert lines[2].startswith("第 3 行：有 2 列，第一行的列名有 11 列")
    assert "Traceback" not in result.output
    assert posting_count() == 0


def test_the_export_writes_formulas_as_text(runner, tmp_path):
    day = (utcnow() + timedelta(days=20)).date().isoformat()
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER + f"F-1,@公司,=1+1,江桥镇,物流运输,,,-要求,+报名,1,{day}\n", encoding="utf-8"
    )
    assert runner.invoke(main, ["jobs", "import", str(source)]).exit_code == 0
    exported = runner.invoke(main, ["jobs", "export"]).output
    assert f"F-1,'@公司,'=1+1,江桥镇,物流运输,,,'-要求,'+报名,1,{day}" in exported
