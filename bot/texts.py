"""The chat's own words that are not a feature's: small talk, and how to ask for things.

A feature's replies live with its handler and its domain's texts; these are the lines the
understanding step needs across features (a second request acknowledged, a greeting
answered), kept in one place so they read the same everywhere.
"""

from __future__ import annotations

# How to ask for each feature, for a second request in one message ("…顺便约个时间").
HOW_TO_ASK = {
    "job.search": "发送“找工作”查看在招岗位",
    "job.more": "发送“更多”看下一批岗位",
    "event.list": "发送“招聘会”查看近期活动",
    "event.signup": "发送“招聘会”后回复编号报名",
    "event.mine": "发送“我的报名”查看报名",
    "event.withdraw": "发送“我的报名”后回复“取消报名+编号”",
    "station.nearest": "发送您的位置查找最近的服务站",
    "station.find": "发送“服务站”按街镇查看",
    "station.hours": "发送“服务站”查看开放时间",
    "booking.start": "发送“预约”预约到服务站办事",
    "booking.mine": "发送“我的预约”查看预约",
    "booking.cancel": "发送“我的预约”后回复“取消+编号”",
    "booking.reschedule": "发送“我的预约”后回复“改约+编号”",
    "subscribe": "发送“订阅”设置推送",
    "subscription.mine": "发送“我的订阅”查看",
    "unsubscribe": "发送“退订”停止推送",
    "handover": "发送“人工”请工作人员回复",
    "help": "发送“帮助”查看我能做什么",
    "policy": "直接把政策问题发给我",
}
SECOND_REQUEST = "您还提到了另一件事，{how}。"

# A number or "第二个" with no list waiting for it: say so rather than guess what it picks.
NOTHING_TO_PICK = "您回复了一个编号，不过现在没有等您选择的列表。您想办什么？比如：\n"

GREETING = "您好！"
THANKS = "不客气！"
GREETING_REPLY = "您好！我是嘉定区退役军人就业服务助手。有什么可以帮您？比如：\n"
THANKS_REPLY = "不客气，能帮上忙就好！还有别的问题随时发给我。"
WHO_REPLY = (
    "我是嘉定区退役军人就业服务的公众号助手，由区里的工作人员维护。"
    "我能回答就业创业政策、查岗位和招聘会、找服务站并预约；需要真人时回复“人工”。\n"
)
GOODBYE_REPLY = "好的，再见！祝您一切顺利，有需要随时发消息给我。"
COMPLAINT_REPLY = (
    "抱歉给您添麻烦了。您可以告诉我具体哪里不满意，我们会改进；"
    "也可以回复“人工”，请工作人员直接为您处理。"
)
PRAISE_REPLY = "谢谢您的肯定！我们会继续努力。还有需要随时找我。"

# A text or voice message over bot.inbound.MAX_TEXT_BYTES (about 680 Chinese characters):
# not matched at all (a 60 kB message cost seconds of CPU), and the person told why.
TOO_LONG_REPLY = (
    "您的消息太长了，我一次只能读约 600 字以内的内容。"
    "请把问题分成几句简短的话分别发送；需要工作人员帮助，请回复“人工”。"
)
