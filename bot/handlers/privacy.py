"""`隐私`, `我的信息`, `删除我的信息`: the privacy notice, what is kept, deleting it.

Deleting asks first: the person must reply `确认删除`; anything else keeps the data.
After deleting, the chat forgets the person too (conversation state, the numbered lists
they saw, their job-list page) and the exchange that confirmed it is not logged
(`Reply.forget`), so nothing links the WeChat identity to what was there.
"""

from __future__ import annotations

from bot.context import Context
from bot.reply import Reply
from bot.router import normalise, router
from core.cache import cache
from core.people import erasure, privacy
from core.wechat import links

NOTICE_KEYWORDS = ("隐私", "隐私说明", "隐私政策", "隐私保护", "个人信息保护", "个人信息")
MINE_KEYWORDS = ("我的信息", "我的数据", "我的个人信息", "查看我的信息", "查看我的数据")
ERASE_KEYWORDS = (
    "删除我的信息",
    "删除我的数据",
    "删除我的个人信息",
    "删除个人信息",
    "清除我的信息",
)
CONFIRM_WORD = "确认删除"
FLOW = "privacy_erase"

ASK_CONFIRM = (
    "删除后，我们会删除您的聊天记录、提问记录、订阅、消息授权和人工服务请求，"
    "取消您尚未办理的预约和未开始的活动报名，并去掉预约和报名记录里能识别您的信息"
    "（只保留不含身份的数量统计）。删除后无法恢复。\n"
    f"确定要删除，请回复“{CONFIRM_WORD}”；回复其他内容则不删除。"
)
KEPT = "好的，没有删除，您的信息保持不变。"
DONE = (
    "您的个人信息已删除：聊天记录 {messages} 条、提问记录 {questions} 条已删除，"
    "取消预约 {bookings} 个、活动报名 {signups} 个。\n"
    "今后您再发消息，我们会把您当作新用户。需要帮助随时发送“帮助”。"
)


@router.text(keywords=NOTICE_KEYWORDS)
@router.menu("PRIVACY")
@router.intent("privacy.notice")
def notice(ctx: Context) -> Reply:
    page = links.page_url(ctx.settings, "/m/privacy")
    text = privacy.chat_notice(ctx.settings, links.anchor(page, "查看完整的隐私说明"))
    return Reply(text=text, intent="privacy_notice")


@router.text(keywords=MINE_KEYWORDS)
@router.intent("privacy.mydata")
def my_data(ctx: Context) -> Reply:
    if ctx.conversation.flow:
        ctx.conversation.clear()
    data = privacy.personal_data(ctx.session, ctx.settings, ctx.person)
    page = links.page_url(ctx.settings, "/m/mydata", ctx.message.from_user)
    lines = ["我们保存的关于您的信息：", *data.lines]
    lines += ["发送“删除我的信息”可全部删除。", links.anchor(page, "在页面上查看")]
    return Reply(text="\n".join(lines), intent="privacy_mydata")


@router.text(keywords=ERASE_KEYWORDS)
@router.intent("privacy.erase")
def ask_to_erase(ctx: Context) -> Reply:
    """Never deletes: it asks, and only the flow's next message can confirm.

    The confirmation is no command word (a command word would leave the flow); on its
    own, outside the question, it is read as asking to delete, and asks again."""
    ctx.conversation.start(FLOW, "confirm")
    return Reply(text=ASK_CONFIRM, intent="privacy_erase_ask")


@router.flow(FLOW)
def confirm(ctx: Context) -> Reply:
    if normalise(ctx.text) != CONFIRM_WORD:
        ctx.conversation.clear()
        return Reply(text=KEPT, intent="privacy_erase_kept")
    done = erasure.erase(ctx.session, ctx.person)
    ctx.conversation.state = None  # so nothing after this handler saves it back
    forget_chat_state(ctx.message.from_user)
    text = DONE.format(
        messages=done.messages,
        questions=done.questions,
        bookings=done.bookings_cancelled,
        signups=done.signups_withdrawn,
    )
    return Reply(text=text, intent="privacy_erased", forget=True)


def forget_chat_state(openid: str) -> None:
    """The chat's Redis state for `openid`: the one conversation key, which holds the flow,
    the numbered lists seen, the job list's page and the last topic (best effort: Redis may
    be down, and then it holds nothing that outlives its 30-minute lifetime anyway)."""
    from bot.session import Conversation

    cache.delete(Conversation.key_for(openid))


router.offers(85, "发送“隐私”：了解我们保存哪些信息；“我的信息”查看，“删除我的信息”删除")
