"""`vetbot stations import/export`: all rows or none, each bad row named, stranded bookings
printed, and an export that imports back unchanged.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from core.booking import booking
from core.booking.models import Station
from core.booking.station_csv import SAMPLE_FILE, export_csv
from core.db import db
from core.people.models import Person
from tests.booking.conftest import NOW, at
from tests.clock import frozen_clock
from web.cli import main

HEADER = (
    "code,name,town,address,latitude,longitude,phone,has_veterans_window,services,slot_minutes,"
    "desks,booking_window_days,min_notice_minutes,max_active_per_person,hours,is_sample,note\n"
)


@pytest.fixture
def runner(runner, monkeypatch):
    """The shared CLI runner, on the booking tests' fixed date."""
    with frozen_clock(monkeypatch, NOW):
        yield runner


def station_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Station)) or 0


def test_import_the_sample_file_and_export_it_back(runner, tmp_path):
    result = runner.invoke(main, ["stations", "import", str(SAMPLE_FILE)])
    assert result.exit_code == 0, result.output
    assert "新增 24 个、更新 0 个服务站" in result.output
    assert station_count() == 24

    target = tmp_path / "out" / "stations.csv"
    exported = runner.invoke(main, ["stations", "export", "--to", str(target)])
    assert exported.exit_code == 0, exported.output
    assert f"已导出 24 个服务站到 {target}" in exported.output
    text = target.read_bytes().decode("utf-8")
    assert text == export_csv(db.session())
    assert "SAMPLE-JDZ-1" in text

    again = runner.invoke(main, ["stations", "import", str(target)])
    assert again.exit_code == 0
    assert "新增 0 个、更新 24 个" in again.output
    stdout = runner.invoke(main, ["stations", "export"])
    assert stdout.exit_code == 0
    assert stdout.output == text.replace("\r\n", "\n")


def test_a_file_with_bad_rows_imports_nothing(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "OK-1,好站,南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n"
        + "BAD-1,坏站,火星,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n"
        + "BAD-2,坏站二,南翔镇,,,,,0,3 99,30,1,14,120,2,1-5 09:00-17:00,0,\n"
        + "OK-1,重复,南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["stations", "import", str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("第 3 行 town 列（街镇）的“火星”：不是嘉定区的街镇")
    assert (
        lines[1]
        == "第 4 行 services 列（服务事项）的“3 99”：应为服务清单的编号（1-24），以空格分隔"
    )
    assert lines[2] == "第 5 行 code 列（编号）的“OK-1”：编号在文件中重复（第 2 行已有）"
    assert "未导入" in lines[3]
    assert "3 处问题" in lines[3]
    assert station_count() == 0


def test_an_import_that_strands_bookings_prints_them(runner, tmp_path):
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "ONE,一站,南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n")
    assert runner.invoke(main, ["stations", "import", str(source)]).exit_code == 0
    session = db.session()
    station = session.scalar(select(Station).where(Station.code == "ONE"))
    person = Person(openid="o-cli", subscribed=True)
    session.add(person)
    made = booking.book(session, person, station, at(3, 15), 3, now=NOW)
    session.commit()

    source.write_text(HEADER + "ONE,一站,南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-12:00,0,\n")
    result = runner.invoke(main, ["stations", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 个预约不在新的开放安排内" in result.output
    assert f"{made.code}  2026-12-03 15:00  一站  该时段已不在开放时间内" in result.output


def test_a_missing_file_is_refused(runner, tmp_path):
    result = runner.invoke(main, ["stations", "import", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_short_row_is_named_without_a_traceback(runner, tmp_path):
    # Before: AttributeError and a traceback.
    bad = tmp_path / "short.csv"
    bad.write_text(HEADER + "OK-1,好站,南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\nX-1,短\n")
    result = runner.invoke(main, ["stations", "import", str(bad)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.splitlines()[0] == (
        "第 3 行：有 2 列，第一行的列名有 17 列；请检查是否少了或多了逗号，或引号没有成对。"
    )
    assert "Traceback" not in result.output
    assert station_count() == 0


def test_an_over_long_value_is_quoted_and_nothing_written(runner, tmp_path):
    bad = tmp_path / "long.csv"
    phone = "0" * 41
    bad.write_text(HEADER + f"OK-1,好站,南翔镇,,,,{phone},0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n")
    result = runner.invoke(main, ["stations", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"第 2 行 phone 列（电话）的“{'0' * 30}…（共 41 个字符）”：不超过 40 个字符（现有 41 个）"
    )
    assert station_count() == 0


def test_the_caps_apply_to_files_on_disk(runner, tmp_path, monkeypatch):
    rows = "".join(
        f"R-{n},站{n},南翔镇,,,,,0,3,30,1,14,120,2,1-5 09:00-17:00,0,\n" for n in range(4)
    )
    many = tmp_path / "many.csv"
    many.write_text(HEADER + rows, encoding="utf-8")
    monkeypatch.setenv("VETBOT_CSV_MAX_STATION_ROWS", "3")
    result = runner.invoke(main, ["stations", "import", str(many)])
    assert result.exit_code == 1
    assert "文件超过 3 行数据，请分批导入（每次最多 3 行）。" in result.output
    monkeypatch.setenv("VETBOT_CSV_MAX_BYTES", "1024")
    big = tmp_path / "big.csv"
    big.write_bytes(HEADER.encode() + b"\n" * 2000)
    result = runner.invoke(main, ["stations", "import", str(big)])
    assert result.exit_code == 1
    assert "文件超过 1 KB" in result.output
    assert station_count() == 0


def test_the_export_writes_formulas_as_text(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER + 'F-1,"=HYPERLINK(""http://evil.example"",""点击"")",南翔镇,@A1,,,+86 21,'
        "0,3,30,1,14,120,2,1-5 09:00-17:00,0,-1\n",
        encoding="utf-8",
    )
    assert runner.invoke(main, ["stations", "import", str(source)]).exit_code == 0
    target = tmp_path / "out.csv"
    assert runner.invoke(main, ["stations", "export", "--to", str(target)]).exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert (row["address"], row["phone"], row["note"]) == ("'@A1", "'+86 21", "'-1")
    again = runner.invoke(main, ["stations", "import", str(target)])
    assert "新增 0 个、更新 1 个服务站" in again.output
    db.session.remove()
    assert db.session.scalar(select(Station.name)) == '=HYPERLINK("http://evil.example","点击")'
