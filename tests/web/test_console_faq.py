"""FAQ curation in the console: admins only, edits reach the bot at once, bad edits change
nothing, and a question the bot missed becomes content in two clicks.

Forms are filled the way a browser would: read every field from the page, change a few,
post them back, so a field the page forgot to round-trip would show up as lost data.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.faq.content import import_files
from core.faq.models import ANSWERED, MISSED, SUGGESTED, FaqEntry, FaqQuery
from core.faq.schema import MAX_ANSWER_CHARS, load_entries
from core.staff.models import STATION_STAFF
from tests.web.test_console import csrf_token, login_as
from tests.wechat import say

ENTRY = "st-training-service"
EDIT = f"/console/faq/{ENTRY}"
ENTRY_QUESTION = "在社区就业服务站能报名就业培训吗？"
MISSED_Q = "退伍老兵想学开挖掘机去哪报名"
MISSED_Q2 = "退伍老兵想学开挖掘机在哪里报名"
UNANSWERED = "/console/faq/unanswered"
NEW_ANSWER = (
    "能。社区就业服务站可以提供就业培训服务（各站点不同），也会指导您参加线上培训。"
    "请发送位置查找就近站点咨询，或回复“人工”。"
)
NEW_ENTRY = {
    "id": "excavator-training-signup",
    "category": "站点培训与技能评价",
    "similar": "想学开挖掘机在哪报名\n退役了想考挖掘机证\n学挖机技术去哪学\n挖掘机培训怎么报名\n学开铲车有培训吗",
    "keywords": "挖掘机，挖机, 技能培训",
    "answer": "可以先到就近的社区就业服务站咨询：部分站点提供就业培训服务。"
    "具体工种和报名方式请发送位置查找站点，或回复“人工”。",
    "sources-0-doc": "jd-rs-2023-54",
    "sources-0-clause": "附件第12项",
    "sources-0-quote": "提供就业培训服务。 拓展功能",
}


@pytest.fixture
def faq_db(db_session):
    import_files(db_session)
    db_session.commit()
    return db_session


class _FormReader(HTMLParser):
    """The successful controls of the form posting to `action`, as a browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._textarea: str | None = None
        self._select: str | None = None  # the open <textarea> and <select>, by name

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "form":
            self.inside = a.get("action") == self.action and not self.fields
        elif not self.inside or "name" not in a:
            return
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea, self.fields[a["name"]] = a["name"], ""
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag):
        if tag == "textarea":
            name, self._textarea = self._textarea, None
            if name:  # browsers drop the newline right after <textarea>
                self.fields[name] = self.fields[name].removeprefix("\r").removeprefix("\n")
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, str]:
    (reader := _FormReader(action)).feed(html)
    assert reader.fields, f"no form posting to {action}"
    return reader.fields


def read_form(client, url: str, action: str | None = None) -> dict[str, str]:
    return form_fields(client.get(url).text, action or url.split("?", maxsplit=1)[0])


def entry_row(db_session, faq_id: str = ENTRY) -> FaqEntry:
    db_session.expire_all()
    return db_session.get(FaqEntry, faq_id)


def queries(db_session, text: str) -> list[FaqQuery]:
    db_session.expire_all()
    return list(db_session.scalars(select(FaqQuery).where(FaqQuery.text == text)))


def group_form(client, action: str = "add") -> dict[str, str]:
    """The first group's first form of that kind on the unanswered page."""
    return read_form(client, UNANSWERED, f"{UNANSWERED}/{action}")


# --- who gets in -----------------------------------------------------------------------

FAQ_PAGES = ["/console/faq", "/console/faq/new", EDIT, UNANSWERED]
FAQ_POSTS = ["/console/faq/new", EDIT, f"{UNANSWERED}/add", f"{UNANSWERED}/ignore"]


def test_only_district_admins_get_in(client, factories, faq_db):
    for url in FAQ_PAGES:
        assert client.get(url).location.startswith("/console/login?next="), url
    login_as(client, factories, role=STATION_STAFF)
    for url in FAQ_PAGES:
        page = client.get(url)
        assert page.status_code == 403, url
        assert "无权访问" in page.text, url
    token = csrf_token(client, "/console/")
    for url in FAQ_POSTS:
        forged = {"csrf_token": token, "faq_id": ENTRY, "question": "x", "answer": "x"}
        assert client.post(url, data=forged).status_code == 403, url
    assert "政策问答" not in client.get("/console/").text
    assert entry_row(faq_db).updated_by is None


def test_admin_lists_filters_and_searches_entries(client, factories, faq_db):
    login_as(client, factories)
    page = client.get("/console/faq").text
    assert f"共 {len(load_entries())} 条" in page
    assert ENTRY in page
    assert "嘉定区" in page
    assert "政策问答" in page
    assert "未解答" in page
    by_category = client.get("/console/faq", query_string={"category": "站点培训与技能评价"}).text
    assert ENTRY in by_category
    assert "unemployment-insurance-after-discharge" not in by_category
    found = client.get("/console/faq", query_string={"q": "失业保险"}).text
    assert "unemployment-insurance-after-discharge" in found
    assert ENTRY not in found


# --- editing -------------------------------------------------------------------------


def test_an_edited_answer_is_what_the_bot_says_next(client, settings, factories, faq_db):
    admin = login_as(client, factories)
    assert "可以咨询" in say(client, settings, "o-curate-1", ENTRY_QUESTION)
    data = read_form(client, EDIT)
    before = entry_row(faq_db)
    similar_before = list(before.similar)
    assert data["answer"] == before.answer
    assert data["sources-0-doc"] == "jd-rs-2023-54"
    data["answer"] = NEW_ANSWER
    response = client.post(EDIT, data=data)
    assert response.status_code == 302
    assert response.location == EDIT
    assert f"已保存条目 {ENTRY}" in client.get(EDIT).text
    reply = say(client, settings, "o-curate-1", ENTRY_QUESTION)
    assert NEW_ANSWER in reply
    assert "来源：嘉人社发〔2023〕54号" in reply
    row = entry_row(faq_db)
    assert row.answer == NEW_ANSWER
    assert row.updated_by == admin.username
    assert len(row.sources) == 2
    assert row.similar == similar_before


# Edits that break a rule, each with what the page must say about it.
LONG = ({"answer": "能" * (MAX_ANSWER_CHARS + 1)}, f"超过上限 {MAX_ANSWER_CHARS} 字")
QUOTE = ({"sources-0-quote": "退役军人可免费学开挖掘机"}, "引用在文件 jd-rs-2023-54 中找不到")
NUMBER = (
    {"answer": "能。每人补贴98765元，请到就近站点咨询。"},
    "数字 98765 在所引用的文件中找不到",
)


@pytest.mark.parametrize("bad", [[LONG], [QUOTE], [NUMBER], [LONG, QUOTE, NUMBER]])
def test_an_invalid_edit_is_refused_and_changes_nothing(client, settings, factories, faq_db, bad):
    changes: dict[str, str] = {}
    for fields, _ in bad:  # answers add up, so one edit can break several rules
        changes |= {k: changes.get(k, "") + v for k, v in fields.items()}
    login_as(client, factories)
    before = entry_row(faq_db)
    answer, sources, updated = before.answer, list(before.sources), before.updated_at
    data = read_form(client, EDIT) | changes
    data["similar"] += "\n挖掘机培训在哪报"  # an unrelated change that must not be lost
    response = client.post(EDIT, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未保存" in page
    assert all(problem in page for _, problem in bad)
    shown = form_fields(page, EDIT)  # every typed value is back in the form
    assert shown.pop("csrf_token")
    assert data.pop("csrf_token")
    assert shown == data
    after = entry_row(faq_db)
    assert (after.answer, after.sources, after.updated_at) == (answer, sources, updated)
    assert "可以咨询" in say(client, settings, "o-curate-2", ENTRY_QUESTION)


def test_saving_over_someone_elses_edit_warns_first(client, factories, faq_db):
    login_as(client, factories)
    data = read_form(client, EDIT)
    other = read_form(client, EDIT) | {"answer": NEW_ANSWER}
    assert client.post(EDIT, data=other).status_code == 302
    data["answer"] = NEW_ANSWER.replace("能。", "可以。")
    warned = client.post(EDIT, data=data)
    assert warned.status_code == 200
    assert "在您编辑期间已被" in warned.text
    assert entry_row(faq_db).answer == NEW_ANSWER
    again = read_form(client, EDIT) | {"answer": data["answer"]}
    assert client.post(EDIT, data=again).status_code == 302
    assert entry_row(faq_db).answer == data["answer"]


def test_posts_without_a_csrf_token_are_refused(client, settings, factories, faq_db):
    login_as(client, factories)
    say(client, settings, "o-curate-3", MISSED_Q)
    data = read_form(client, EDIT) | {"answer": NEW_ANSWER}
    del data["csrf_token"]
    ids = group_form(client)["queries"]
    for url, form in [
        (EDIT, data),
        ("/console/faq/new", data | {"id": "no-token-entry"}),
        (f"{UNANSWERED}/add", {"faq_id": ENTRY, "question": MISSED_Q, "queries": ids}),
        (f"{UNANSWERED}/ignore", {"queries": ids}),
    ]:
        response = client.post(url, data=form)
        assert response.status_code == 400, url
        assert "请求已失效" in response.text, url
    row = entry_row(faq_db)
    assert row.answer != NEW_ANSWER
    assert MISSED_Q not in row.similar
    assert entry_row(faq_db, "no-token-entry") is None
    assert not any(q.resolved for q in queries(faq_db, MISSED_Q))


# --- questions the bot missed ----------------------------------------------------------


def test_a_missed_question_is_listed_with_its_count(client, settings, factories, faq_db):
    login_as(client, factories)
    for n, text in enumerate((MISSED_Q, MISSED_Q2, MISSED_Q)):
        say(client, settings, f"o-miss-{n}", text)
    logged = queries(faq_db, MISSED_Q) + queries(faq_db, MISSED_Q2)
    assert len(logged) == 3
    assert {q.tier for q in logged} <= {MISSED, SUGGESTED}
    page = client.get(UNANSWERED).text
    assert page.count('class="card group"') == 1  # the two wordings are one group
    assert MISSED_Q in page
    assert MISSED_Q2 in page
    assert "共 <strong>3</strong> 次" in page
    assert "加为其他问法" in page
    assert "新建条目" in page
    assert "忽略" in page
    assert re.search(r'未解答 <span class="badge"[^>]*>3</span>', client.get("/console/").text)
    assert "共 <strong>3</strong> 次" in client.get(UNANSWERED, query_string={"days": "7"}).text


def test_add_as_similar_teaches_the_entry_and_clears_the_group(client, settings, factories, faq_db):
    login_as(client, factories)
    for n in range(2):
        say(client, settings, f"o-miss-{n}", MISSED_Q)
    form = group_form(client)  # the first candidate's button
    assert form["question"] == MISSED_Q
    assert form["faq_id"]
    form["faq_id"] = ENTRY  # none of the candidates fits: pick the entry from the list
    response = client.post(f"{UNANSWERED}/add", data=form)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert f"加为条目 {ENTRY} 的其他问法" in page
    assert "没有未解答的问题" in page
    assert MISSED_Q in entry_row(faq_db).similar
    assert all(q.resolved for q in queries(faq_db, MISSED_Q))
    assert f"/m/faq/{ENTRY}" in say(client, settings, "o-miss-6", MISSED_Q)
    assert queries(faq_db, MISSED_Q)[-1].tier == ANSWERED
    assert "没有未解答的问题" in client.get(UNANSWERED).text


def test_a_refused_addition_keeps_the_group_until_ignored(client, settings, factories, faq_db):
    login_as(client, factories)
    say(client, settings, "o-miss-7", MISSED_Q)
    form = group_form(client) | {"question": "就业站有培训班吗"}  # another entry's wording
    page = client.post(f"{UNANSWERED}/add", data=form, follow_redirects=True).text
    assert "未能加入" in page
    assert "同时出现在条目" in page
    assert MISSED_Q in page
    assert not any(q.resolved for q in queries(faq_db, MISSED_Q))
    page = client.post(
        f"{UNANSWERED}/ignore", data=group_form(client, "ignore"), follow_redirects=True
    ).text
    assert "已忽略 1 条提问" in page
    assert "没有未解答的问题" in page
    assert all(q.resolved for q in queries(faq_db, MISSED_Q))


def test_new_entry_from_a_missed_question(client, settings, factories, faq_db):
    admin = login_as(client, factories)
    say(client, settings, "o-miss-8", MISSED_Q)
    ids = group_form(client)["queries"]
    link = re.search(r'href="(/console/faq/new\?[^"]+)"', client.get(UNANSWERED).text)
    form = read_form(client, unescape(link.group(1)), "/console/faq/new")  # "新建条目"
    assert form["question"] == MISSED_Q
    assert form["queries"] == ids
    form |= NEW_ENTRY
    response = client.post("/console/faq/new", data=form)
    assert response.status_code == 302
    assert response.location == UNANSWERED
    page = client.get(UNANSWERED).text
    assert "已新建条目 excavator-training-signup" in page
    assert "没有未解答的问题" in page
    row = entry_row(faq_db, "excavator-training-signup")
    assert row.updated_by == admin.username
    assert row.keywords == ["挖掘机", "挖机", "技能培训"]
    assert "/m/faq/excavator-training-signup" in say(client, settings, "o-miss-9", MISSED_Q)
    again = client.post("/console/faq/new", data=form).text  # the id is taken now
    assert "编号 excavator-training-signup 已被使用" in again
    assert "系统保留字" in client.post("/console/faq/new", data=form | {"id": "unanswered"}).text
