"""Every intent the understanding step can read has a handler in the chat."""

from __future__ import annotations

import bot.handlers  # noqa: F401  (registers the routes)
from bot.router import router
from core.nlu.intents import INTENTS


def test_every_intent_is_handled():
    assert sorted(set(INTENTS) - set(router.intent_rules)) == []
