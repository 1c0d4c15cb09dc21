"""Issue 5's whole story in one test, through the real console and `/wechat` paths.

A veteran of 安亭镇 subscribes in the chat; a district admin imports postings from CSV,
creates a job fair and broadcasts it to 安亭镇's subscribers; the progress reaches 100 %;
the veteran receives it once (the simulator's outbox), asks `找工作` and sees the postings
of their town only, and signs up for the fair by its number.
"""

from __future__ import annotations

from datetime import timedelta

from core.broadcast import send as broadcast_send
from core.timeutil import LOCAL_TZ, utcnow
from tests.broadcast.test_console import NEW, _form
from tests.jobs.conftest import event_row
from tests.web.test_console import csrf_token, login_as
from tests.web.test_console_jobs import upload
from tests.wechat import say

ME = "o-done-when"
HEADER = (
    "ref,employer,title,town,industry,pay_min,pay_max,requirements,how_to_apply,"
    "veterans_priority,valid_until"
)


def test_import_create_a_fair_broadcast_to_a_town_receive_once_find_jobs_sign_up(
    client, settings, factories, db_session
):
    # The veteran opts in, in the chat: jobs and events, in 安亭镇 (7), any industry.
    factories.person(ME)
    say(client, settings, ME, "订阅")
    say(client, settings, ME, "1 2")
    say(client, settings, ME, "7")
    say(client, settings, ME, "0")
    say(client, settings, ME, "不要")
    assert "订阅已保存" in say(client, settings, ME, "确认")

    # The district admin imports two postings, one in 安亭镇 and one in 南翔镇 ...
    login_as(client, factories)
    today = utcnow().astimezone(LOCAL_TZ).date()
    until = (today + timedelta(days=30)).isoformat()
    csv_text = "\n".join(
        [
            HEADER,
            f"DW-1,示例汽车零部件公司,装配技术员,安亭镇,汽车及零部件,6000,8000,,到站登记,1,{until}",
            f"DW-2,示例物流公司,仓库管理员,南翔镇,物流运输,5000,6500,,电话联系,0,{until}",
        ]
    )
    imported = upload(client, csv_text)
    assert imported.status_code in (200, 302)
    # ... creates the job fair ...
    fair_day = (today + timedelta(days=7)).isoformat()
    token = csrf_token(client, "/console/events/new")
    fair = event_row(title="示例安亭镇退役军人专场招聘会", day=fair_day, town="安亭镇")
    created = client.post("/console/events/new", data={"csrf_token": token, **fair})
    assert created.status_code == 302
    # ... and broadcasts it to 安亭镇's subscribers, confirmed after seeing the plan.
    sent = client.post(NEW, data=_form(client, title="安亭镇专场招聘会报名开始", confirmed="1"))
    assert sent.status_code == 302
    progress_url = sent.headers["Location"].rstrip("/") + "/progress.json"

    app_settings = client.application.config["SETTINGS"]
    broadcast_send.dispatch(db_session, app_settings)
    broadcast_send.dispatch(db_session, app_settings)  # a second pass sends nothing more
    progress = client.get(progress_url).json
    assert progress["percent"] == 100
    assert progress["sent"] == 1

    pushes = client.get(f"/simulator/outbox?openid={ME}&after=0").json["messages"]
    assert [p["content"].count("安亭镇专场招聘会报名开始") for p in pushes] == [1]

    jobs = say(client, settings, ME, "找工作")
    assert "装配技术员" in jobs
    assert "仓库管理员" not in jobs
    fairs = say(client, settings, ME, "招聘会")
    assert "1. " in fairs
    assert "示例安亭镇退役军人专场招聘会" in fairs
    assert "报名成功" in say(client, settings, ME, "1")
