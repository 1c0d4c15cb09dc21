"""`/m/privacy` (public) and `/m/mydata` (the signed-in person's own data only)."""

from __future__ import annotations

from core.jobs.models import Subscription
from core.wechat import links


def test_the_notice_page_is_public_and_quotes_the_configured_retention(make_app):
    client = make_app(retention_days=45).test_client()
    response = client.get("/m/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for heading in ("我们保存哪些信息", "为什么保存", "保存多久", "谁能看到", "您的权利"):
        assert heading in html
    assert "保存 45 天" in html
    assert "个人信息保护法" in html


def test_every_phone_page_links_the_notice_in_its_footer(client):
    for page in ("/m/faq", "/m/jobs", "/m/events", "/m/stations"):
        assert 'href="/m/privacy"' in client.get(page).get_data(as_text=True), page


def test_my_data_needs_the_person(client):
    response = client.get("/m/mydata")
    assert response.status_code == 403


def test_my_data_shows_the_persons_own_data_and_never_anothers(
    client, settings, factories, db_session
):
    owner = factories.person(
        "o-mydata-owner", location_label="外冈镇某村", latitude=31.3, longitude=121.1
    )
    db_session.add(Subscription(person_id=owner.id, jobs=True, towns=["外冈镇"]))
    db_session.commit()
    token = links.person_token(settings, "o-mydata-owner")
    assert client.get(f"/m/mydata?t={token}").status_code == 302
    mine = client.get("/m/mydata").get_data(as_text=True)
    assert "外冈镇某村" in mine
    assert "街镇：外冈镇" in mine
    assert "删除我的信息" in mine

    other = client.application.test_client()
    other.get(f"/m/mydata?t={links.person_token(settings, 'o-mydata-other')}")
    theirs = other.get("/m/mydata").get_data(as_text=True)
    assert "外冈镇某村" not in theirs
    assert "没有订阅任何消息" in theirs
