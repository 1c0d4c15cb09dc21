"""A sender that is killed mid-broadcast: `python -m tests.broadcast.killer DB_URL API_URL ID N`.

After N messages have been accepted by WeChat it ends the process with `os._exit`, from a
sending thread, while other threads still have calls in flight: no cleanup, no commit,
as a `kill -9` or a power cut would leave things.
"""

from __future__ import annotations

import os
import sys
import threading

from core.bootstrap import init_core
from core.broadcast import send as broadcast_send
from core.broadcast.delivery import Message, Transport
from core.config import load_settings
from core.db import db


class DyingTransport(Transport):
    def __init__(self, *args: object, die_after: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.left = die_after
        self.lock = threading.Lock()

    def send(self, channel: str, openid: str, message: Message) -> None:
        super().send(channel, openid, message)
        with self.lock:
            self.left -= 1
            if self.left <= 0:
                os._exit(9)


def main() -> None:
    db_url, api_url, broadcast_id, die_after = sys.argv[1:5]
    settings = load_settings().with_overrides(
        database_url=db_url,
        wechat_app_id="wx-broadcast-test",
        wechat_app_secret="test-secret",
        wechat_api_base_url=api_url,
        broadcast_rate=100_000.0,
        broadcast_workers=4,
        broadcast_batch=10,
    )
    init_core(settings)
    transport = DyingTransport(settings, die_after=int(die_after))
    broadcast_send.run(db.session(), settings, int(broadcast_id), transport=transport)
    sys.exit(0)  # not reached when the transport kills the process


if __name__ == "__main__":
    main()
