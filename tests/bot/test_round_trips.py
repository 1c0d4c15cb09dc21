"""Redis round trips a message costs on the request thread, pinned so adding one is a
decision: one to claim the message and read the conversation, and at most one more to
write the conversation's changes together with the reply kept for retries (without
changes the reply goes in a background batch). The gateway's replay check
(bot.callback_guard) makes one more before the pipeline. Each round trip is a wait a request
thread spends off the CPU while the worker's other threads compete for it."""

from __future__ import annotations

import threading

import pytest

from bot.session import Conversation
from core.cache import Cache, cache
from tests.wechat import say


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The commands of each round trip made on this thread."""
    sent: list[tuple[str, ...]] = []
    me = threading.get_ident()
    original = Cache.send

    def send(self: Cache, op: str, *commands: tuple[object, ...]) -> list[object] | None:
        # The gateway's replay memory (bot.callback_guard) has a round trip of its own
        # before the pipeline runs; counted here is the pipeline's.
        if threading.get_ident() == me and op != "callback claim":
            sent.append(tuple(str(c[0]) for c in commands))
        return original(self, op, *commands)

    monkeypatch.setattr(Cache, "send", send)
    return sent


def test_a_policy_question_costs_two_round_trips(client, settings, faq_loaded, round_trips):
    say(client, settings, "o-rt-1", "帮助")
    round_trips.clear()

    reply = say(client, settings, "o-rt-1", "退伍回来没找到工作能领失业金吗")

    assert reply
    # Claim + state; then the question remembered (for "1" and "没用") with the reply.
    assert round_trips == [("SET", "GET"), ("SET", "SET")]
    memo = Conversation("o-rt-1", 60).recall("faq")
    assert memo
    assert memo["key"]


def test_a_command_that_changes_nothing_costs_one(client, settings, round_trips):
    say(client, settings, "o-rt-2", "帮助")
    round_trips.clear()

    say(client, settings, "o-rt-2", "帮助")

    assert round_trips == [("SET", "GET")]
    assert cache.get(Conversation.key_for("o-rt-2")) is None


def test_state_changes_of_one_message_are_written_once(client, settings, factories, round_trips):
    """A list shown (its ids) and which list was shown last go in the one write."""
    factories.job_posting(title="仓库管理员")
    say(client, settings, "o-rt-3", "帮助")
    round_trips.clear()

    say(client, settings, "o-rt-3", "找工作")

    assert round_trips[0] == ("SET", "GET")
    assert round_trips[1:] == [("SET", "SET")]
    conversation = Conversation("o-rt-3", 60)
    assert conversation.recall("seen_last") == "jobs_list"
