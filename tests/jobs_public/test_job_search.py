"""Which postings a person sees: open, still valid, matching, newest first, paged."""

from __future__ import annotations

from datetime import timedelta

from core.jobs import search as job_search
from core.jobs.models import CLOSED
from core.jobs.search import JobFilter
from core.timeutil import local_today, utcnow


def test_expired_and_closed_postings_leave_the_list_before_the_scheduler_runs(
    factories, db_session
):
    today = local_today()
    current = factories.job_posting(title="在招")
    factories.job_posting(title="昨天到期", valid_until=today - timedelta(days=1))
    last_day = factories.job_posting(title="今天最后一天", valid_until=today)
    factories.job_posting(title="已关闭", status=CLOSED)
    page = job_search.search(db_session)
    assert {p.id for p in page.items} == {current.id, last_day.id}
    assert page.total == 2


def test_filters_by_town_and_industry_empty_means_any(factories, db_session):
    a = factories.job_posting(town="安亭镇", industry="制造业")
    b = factories.job_posting(town="江桥镇", industry="物流运输")
    c = factories.job_posting(town="江桥镇", industry="制造业")
    assert {p.id for p in job_search.search(db_session, JobFilter(towns=("江桥镇",))).items} == {
        b.id,
        c.id,
    }
    both = JobFilter(towns=("江桥镇",), industries=("制造业",))
    assert [p.id for p in job_search.search(db_session, both).items] == [c.id]
    assert {p.id for p in job_search.search(db_session, JobFilter()).items} == {a.id, b.id, c.id}


def test_newest_first_with_paging(factories, db_session):
    now = utcnow()
    made = [
        factories.job_posting(title=f"岗位{i}", published_at=now - timedelta(hours=i))
        for i in range(7)
    ]
    first = job_search.search(db_session, limit=5)
    assert [p.id for p in first.items] == [p.id for p in made[:5]]
    assert first.has_more
    second = job_search.search(db_session, offset=5, limit=5)
    assert [p.id for p in second.items] == [p.id for p in made[5:]]
    assert second.total == 7
    assert not second.has_more


def test_a_page_past_the_end_still_knows_how_many_there_are(factories, db_session):
    """The count rides on the page's rows; a page with none asks for it apart."""
    for i in range(3):
        factories.job_posting(title=f"岗位{i}")
    past = job_search.search(db_session, offset=5, limit=5)
    assert past.items == []
    assert past.total == 3
    assert job_search.search(db_session, JobFilter(towns=("无此镇",))).total == 0


def test_subscription_filter_applies_only_when_jobs_were_chosen(factories, db_session):
    from core.jobs.models import Subscription

    person = factories.person()
    sub = Subscription(person_id=person.id, jobs=False, towns=["安亭镇"])
    assert job_search.filter_for(sub) == JobFilter()
    sub.jobs = True
    assert job_search.filter_for(sub) == JobFilter(towns=("安亭镇",))
    assert job_search.filter_for(None) == JobFilter()


def test_a_closed_posting_still_opens_by_id_and_reads_as_ended(factories, db_session):
    old = factories.job_posting(valid_until=local_today() - timedelta(days=3))
    found = job_search.get_posting(db_session, old.id)
    assert found is not None
    assert job_search.status_label(found) == "已结束"
    assert job_search.get_posting(db_session, 999999) is None
