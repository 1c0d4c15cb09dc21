"""`帮助` / `菜单`: what the bot can do, listing only features that exist."""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import router

HELP_KEYWORDS = ("帮助", "菜单", "help", "?", "？", "功能", "你能做什么", "怎么用")


def capabilities_text() -> str:
    """The registered help lines, one per feature, numbered."""
    lines = [f"{i}. {line}" for i, (_, line) in enumerate(router.help_lines, start=1)]
    return "\n".join(lines)


def help_text() -> str:
    return "我是嘉定区退役军人就业服务助手，可以帮您：\n" + capabilities_text()


@router.text(keywords=HELP_KEYWORDS)
@router.menu("HELP")
def show_help(ctx: Context) -> Reply:
    return Reply(text=help_text(), intent="help")


router.offers(90, "发送“帮助”：随时查看本说明")
