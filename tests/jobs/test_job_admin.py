"""Posting rules shared by the console and the import: every bad field named in Chinese,
closing and reopening, and the scheduler taking expired postings off every list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.db import db
from core.jobs import admin as job_admin
from core.jobs.admin import PostingError
from core.jobs.models import CLOSED, OPEN, JobPosting
from core.timeutil import local_today
from scheduler.jobs import JOBS, expire_postings
from tests.jobs.conftest import NOW, posting_row


def test_a_valid_posting_is_open_and_gets_a_reference(db_session):
    posting = job_admin.create_posting(db_session, posting_row(), NOW)
    db_session.commit()
    assert posting.status == OPEN
    assert posting.veterans_priority
    assert posting.ref == f"JP-{posting.id:06d}"
    assert (posting.pay_min, posting.pay_max, posting.valid_until) == (
        6000,
        8000,
        date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"employer": " "}, "employer", "请填写用人单位"),
        ({"title": ""}, "title", "请填写岗位名称"),
        ({"title": "长" * 101}, "title", "不超过 100 个字"),
        ({"town": "浦东新区"}, "town", "嘉定区的街镇"),
        ({"industry": "航天"}, "industry", "请从以下行业中选择"),
        ({"pay_min": "-1"}, "pay_min", "不小于 0 的整数"),
        ({"pay_max": "八千"}, "pay_max", "不小于 0 的整数"),
        ({"pay_min": "9000", "pay_max": "8000"}, "pay_max", "不能低于下限"),
        ({"valid_until": "2026-12-01"}, "valid_until", "不能早于今天"),
        ({"valid_until": "2026-13-01"}, "valid_until", "请填写日期"),
        ({"valid_until": "2028-01-01"}, "valid_until", "最长一年"),
        ({"veterans_priority": "maybe"}, "veterans_priority", "1（是）或 0（否）"),
        ({"ref": "有 空格"}, "ref", "编号只能包含"),
    ],
)
def test_each_bad_field_is_named_in_chinese(db_session, changes, field, message):
    with pytest.raises(PostingError) as caught:
        job_admin.create_posting(db_session, posting_row(**changes), NOW)
    assert message in caught.value.errors[field]
    assert db_session.query(JobPosting).count() == 0


def test_all_problems_are_reported_at_once(db_session):
    with pytest.raises(PostingError) as caught:
        job_admin.create_posting(db_session, posting_row(employer="", town="", pay_min="x"), NOW)
    assert set(caught.value.errors) == {"employer", "town", "pay_min"}
    assert "用人单位：请填写用人单位" in str(caught.value)


def test_pay_may_be_left_empty_and_today_is_a_valid_last_day(db_session):
    posting = job_admin.create_posting(
        db_session, posting_row(pay_min="", pay_max="", valid_until="2026/12/02"), NOW
    )
    assert posting.pay_min is None
    assert posting.pay_max is None
    assert posting.valid_until == date(2026, 12, 2)


def test_a_reference_belongs_to_one_posting(db_session):
    job_admin.create_posting(db_session, posting_row(ref="A-1"), NOW)
    other = job_admin.create_posting(db_session, posting_row(ref="A-2"), NOW)
    with pytest.raises(PostingError) as caught:
        job_admin.create_posting(db_session, posting_row(ref="A-1"), NOW)
    assert "已被其他岗位使用" in caught.value.errors["ref"]
    with pytest.raises(PostingError):
        job_admin.update_posting(db_session, other, posting_row(ref="A-1"), NOW)


def test_an_expired_posting_can_be_edited_without_moving_its_date(db_session, factories):
    posting = factories.job_posting(valid_until=date(2026, 11, 20), status=CLOSED)
    row = posting_row(ref=posting.ref or "", title="改过的名称", valid_until="2026-11-20")
    job_admin.update_posting(db_session, posting, row, NOW)
    assert posting.title == "改过的名称"
    assert posting.status == CLOSED
    with pytest.raises(PostingError) as caught:
        job_admin.update_posting(db_session, posting, posting_row(valid_until="2026-11-21"), NOW)
    assert "不能早于今天" in caught.value.errors["valid_until"]


def test_close_then_reopen_while_still_valid(db_session, factories):
    posting = factories.job_posting(valid_until=date(2026, 12, 20))
    assert job_admin.close_posting(db_session, posting, NOW) is True
    assert posting.status == CLOSED
    assert posting.closed_at is not None
    assert job_admin.close_posting(db_session, posting, NOW) is False
    job_admin.reopen_posting(db_session, posting, NOW)
    assert posting.status == OPEN
    assert posting.closed_at is None


def test_an_expired_posting_is_not_reopened(db_session, factories):
    posting = factories.job_posting(valid_until=date(2026, 12, 1), status=CLOSED)
    with pytest.raises(PostingError) as caught:
        job_admin.reopen_posting(db_session, posting, NOW)
    assert "已过有效期" in caught.value.errors["valid_until"]
    assert posting.status == CLOSED


def test_expiry_closes_postings_whose_last_day_has_passed_in_shanghai(db_session, factories):
    yesterday = factories.job_posting(valid_until=date(2026, 12, 2))
    today = factories.job_posting(valid_until=date(2026, 12, 3))
    closed = factories.job_posting(valid_until=date(2026, 11, 1), status=CLOSED)
    # 23:30 UTC on the 2nd is 07:30 on the 3rd in Shanghai.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert job_admin.expire_due(db_session, local_today(late), late) == 1
    db_session.commit()
    for p in (yesterday, today, closed):
        db_session.refresh(p)
    assert (yesterday.status, today.status, closed.status) == (CLOSED, OPEN, CLOSED)
    assert job_admin.expire_due(db_session, date(2026, 12, 3)) == 0


def test_the_scheduler_expires_postings_hourly(db_session, factories):
    spec = next(job for job in JOBS if job.id == "jobs.expire")
    assert spec.trigger == "interval"
    assert spec.trigger_args == {"hours": 1}
    old = factories.job_posting(valid_until=date(2020, 1, 1)).id
    fresh = factories.job_posting().id
    expire_postings()
    session = db.session()
    assert (session.get(JobPosting, old).status, session.get(JobPosting, fresh).status) == (
        CLOSED,
        OPEN,
    )


def test_the_console_list_filters_by_status_and_words(db_session, factories):
    a = factories.job_posting(employer="甲公司", title="仓库管理员")
    b = factories.job_posting(employer="乙公司", title="保安", status=CLOSED)
    assert job_admin.list_postings(db_session, OPEN) == [a]
    assert job_admin.list_postings(db_session, CLOSED) == [b]
    assert job_admin.list_postings(db_session, None, "乙") == [b]
    assert job_admin.list_postings(db_session, None, "仓库") == [a]
    assert job_admin.counts(db_session) == {OPEN: 1, CLOSED: 1}
