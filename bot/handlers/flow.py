"""`取消` / `退出`: leave whatever multi-step flow the person is in."""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import router


@router.exit
def leave_flow(ctx: Context) -> Reply:
    if ctx.conversation.flow is None:
        return Reply(text="当前没有进行中的操作。发送“帮助”查看我能做什么。", intent="exit")
    was = ctx.conversation.flow
    ctx.conversation.clear()
    if was == "cancel_booking":  # "取消" as the answer to "确认取消…？": say what happened
        return Reply(
            text="好的，预约保留，没有取消。如要取消，请再发“取消+编号”，然后回复“是”。",
            intent="exit",
        )
    return Reply(text="好的，已退出当前操作。发送“帮助”查看我能做什么。", intent="exit")
