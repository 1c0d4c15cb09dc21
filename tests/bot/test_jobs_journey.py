"""A veteran in 江桥镇 subscribes in chat, asks for jobs, sees only their town's postings, and
signs up for the job fair — then sees it under `我的报名`."""

from __future__ import annotations

from tests.wechat import say


def test_subscribe_find_jobs_and_sign_up_for_the_fair(client, settings, factories):
    factories.job_posting(title="江桥叉车司机", town="江桥镇", industry="物流运输")
    factories.job_posting(title="安亭装配工", town="安亭镇", industry="制造业")
    factories.event(title="示例江桥退役军人专场招聘会", town="江桥镇", capacity=10)
    me = "o-journey"
    say(client, settings, me, "订阅")
    say(client, settings, me, "1 2")
    say(client, settings, me, "12")  # 江桥镇
    say(client, settings, me, "0")
    say(client, settings, me, "不要")
    assert "订阅已保存" in say(client, settings, me, "确认")
    jobs = say(client, settings, me, "找工作")
    assert "江桥叉车司机" in jobs
    assert "安亭装配工" not in jobs
    fairs = say(client, settings, me, "招聘会")
    assert "示例江桥退役军人专场招聘会" in fairs
    assert "报名成功" in say(client, settings, me, "1")
    assert "示例江桥退役军人专场招聘会" in say(client, settings, me, "我的报名")
