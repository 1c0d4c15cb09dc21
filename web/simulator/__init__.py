"""The chat simulator at /simulator: try the bot in a browser as a veteran would in WeChat.

The page posts real, signed WeChat XML to the real `/wechat` callback, so what it
shows is exactly what WeChat would get. Off (404) in production.
"""

from web.simulator.routes import bp

__all__ = ["bp"]
