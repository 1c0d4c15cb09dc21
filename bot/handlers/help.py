"""`帮助` / `菜单`: what the bot can do, listing only features that exist."""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import router

HELP_KEYWORDS = ("帮助", "菜单", "help", "?", "？", "功能", "你能做什么", "怎么用")


_built: tuple[int, int, str] = (0, -1, "")


def capabilities_text() -> str:
    """The registered help lines, one per feature, numbered.

    Built again only when the list changed (features register their lines at import),
    not for every message that shows it.
    """
    global _built
    lines = router.help_lines
    built_for, count, text = _built
    if built_for != id(lines) or count != len(lines):
        text = "\n".join(f"{i}. {line}" for i, (_, line) in enumerate(lines, start=1))
        _built = (id(lines), len(lines), text)
    return text


def help_text() -> str:
    return "我是嘉定区退役军人就业服务助手，可以帮您：\n" + capabilities_text()


@router.text(keywords=HELP_KEYWORDS)
@router.menu("HELP")
@router.intent("help")
def show_help(ctx: Context) -> Reply:
    return Reply(text=help_text(), intent="help")


router.offers(90, "发送“帮助”：随时查看本说明")
