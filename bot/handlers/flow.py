"""`取消` / `退出`: leave whatever multi-step flow the person is in."""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import router


@router.exit
def leave_flow(ctx: Context) -> Reply:
    if ctx.conversation.flow is None:
        return Reply(text="当前没有进行中的操作。发送“帮助”查看我能做什么。", intent="exit")
    ctx.conversation.clear()
    return Reply(text="好的，已退出当前操作。发送“帮助”查看我能做什么。", intent="exit")
