"""One scheduler process sends broadcast after broadcast without running out of anything.

Each broadcast starts new sender threads; each thread used to keep a Redis connection of its
own that was never given back, so from about the 13th broadcast on the senders failed
("发送出错（程序异常）") and the broadcast was still marked done.
"""

from __future__ import annotations

from core.broadcast import send as broadcast_send
from core.broadcast.models import SENT
from core.cache import Cache
from tests.broadcast.conftest import ledger


def test_thirty_broadcasts_in_a_row_reach_everyone(
    db_session, subscriber, broadcast, api_settings, wechat_standin, redis_cache
):
    people = [subscriber() for _ in range(8)]

    for n in range(30):
        made = broadcast(title=f"第{n + 1}次通知")
        # The scheduler's job: a fresh transport and fresh sender threads each time.
        assert broadcast_send.dispatch(db_session, api_settings) == [made.id]
        rows = ledger(db_session, made.id)
        assert {openid: row.status for openid, row in rows.items()} == {
            p.openid: SENT for p in people
        }, f"broadcast {n + 1}"

    assert len(wechat_standin.calls_to("message/custom/send")) == 30 * len(people)
    assert redis_cache.open_connections <= Cache.MAX_IDLE
