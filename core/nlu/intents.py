"""Every intent the understanding step knows, with what it means (for people reading the
content files, the console and the checks). The bot registers a handler for each
(tests/nlu/test_routes.py holds it to that)."""

from __future__ import annotations

INTENTS: dict[str, str] = {
    "job.search": "看在招岗位（可带街镇、工种、薪资）",
    "job.more": "岗位列表的下一批",
    "event.list": "看近期招聘会、培训、宣讲（可带类型、日期、街镇）",
    "event.signup": "报名活动（第几个，或按类型、日期）",
    "event.mine": "我的报名",
    "event.withdraw": "取消报名",
    "station.nearest": "找最近的服务站",
    "station.find": "某街镇的服务站",
    "station.hours": "服务站开放时间",
    "booking.start": "预约到服务站办事（可带街镇、事项、日期、上午下午）",
    "booking.mine": "我的预约",
    "booking.cancel": "取消预约",
    "booking.reschedule": "改约",
    "subscribe": "订阅推送（岗位、活动、政策、每日汇总）",
    "subscription.mine": "我的订阅",
    "unsubscribe": "退订",
    "handover": "找工作人员（人工）",
    "help": "能做什么、怎么用",
    "privacy.notice": "隐私说明：保存哪些信息、多久、谁能看",
    "privacy.mydata": "查看我被保存的信息",
    "privacy.erase": "删除我的信息（先确认）",
    "chat.greeting": "问候",
    "chat.thanks": "感谢",
    "chat.who": "你是谁",
    "chat.goodbye": "再见",
    "chat.complaint": "抱怨、不满",
    "chat.praise": "表扬",
    "policy": "政策问题（交给政策问答）",
    "none": "不属于本服务的事",
}
# Answers inside a flow, kept in the content files for the flows' tests, not intents.
FLOW_ANSWERS = ("flow.answer", "flow.quit")
