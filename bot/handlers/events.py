"""Follow, unfollow, QR scans and menu views."""

from __future__ import annotations

from bot.context import Context
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import router
from core.people import people

WELCOME = "您好，欢迎关注！我是嘉定区退役军人就业服务助手。\n我可以帮您：\n"


@router.event("subscribe")
def followed(ctx: Context) -> Reply:
    """Record the follow (and the QR scene it came from) and say what the bot does."""
    people.record_subscribe(ctx.person, ctx.message.qr_scene)
    return Reply(text=WELCOME + capabilities_text(), intent="subscribe")


@router.event("unsubscribe")
def unfollowed(ctx: Context) -> Reply:
    """Record it: from now on this person gets no pushes. WeChat shows nothing."""
    people.record_unsubscribe(ctx.person)
    return Reply.quiet(intent="unsubscribe")


@router.event("scan")
def scanned(ctx: Context) -> Reply:
    """A follower scanned a parametric QR code again (e.g. at a service station)."""
    if ctx.message.qr_scene:
        ctx.person.subscribe_scene = ctx.person.subscribe_scene or ctx.message.qr_scene[:128]
    return Reply(text="欢迎回来！发送“帮助”查看我能做什么。", intent="scan")


@router.event("view")
def opened_link(ctx: Context) -> Reply:
    """A menu link was opened; the page itself is the answer."""
    return Reply.quiet(intent="menu_view")


@router.event("click")
def unknown_menu_key(ctx: Context) -> Reply:
    """A CLICK whose key no handler routes (an outdated menu): show what exists."""
    return Reply(text="该菜单暂不可用。我可以帮您：\n" + capabilities_text(), intent="menu_unknown")
