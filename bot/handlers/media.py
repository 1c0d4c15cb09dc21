"""Messages the bot cannot read (voice without recognition, pictures, files…)."""

from __future__ import annotations

from bot.context import Context
from bot.handlers.help import capabilities_text
from bot.reply import Reply
from bot.router import router


@router.message("voice")
def unrecognised_voice(ctx: Context) -> Reply:
    return Reply(
        text="抱歉，这条语音我没能听清。请直接打字告诉我您的问题，或发送“帮助”查看我能做什么。",
        intent="voice_unrecognised",
    )


@router.message("image", "video", "shortvideo", "link", "file")
def unsupported_media(ctx: Context) -> Reply:
    return Reply(
        text="收到啦。目前我只能看懂文字消息。我可以帮您：\n" + capabilities_text(),
        intent="unsupported_media",
    )
