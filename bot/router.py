"""A registry from message type + filters to handler functions, WeRoBot-style.

Handlers register with decorators (`@router.text(keywords=...)`, `@router.event(...)`,
`@router.menu(...)`, `@router.flow(...)`, `@router.intent(...)`) and the first matching
rule wins, in a fixed order: leaving a flow, the active flow, events and menu keys,
exact command words, patterns, then what the understanding step (core.nlu) reads in
the text, type defaults, the text fallback. Each feature also registers the help lines
it offers, so `帮助` only ever lists what exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import Context
    from bot.reply import Reply

Handler = Callable[["Context"], "Reply"]

EXIT_WORDS = frozenset(
    {
        "取消", "退出", "返回", "q", "quit", "exit",
        "算了", "算了吧", "不约了", "不办了", "不用了", "不要了", "不弄了", "不订了",
    }
)  # fmt: skip
# A bare number or ordinal ("2", "第2个", "第二个"): inside a flow always the step's answer.
BARE_NUMBER = r"^\s*第?([0-9０-９]{1,3}|[一二两三四五六七八九十]{1,3})(个|号|项|家)?\s*$"
_DIGITS = re.compile(BARE_NUMBER)
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:~～…\"'“”‘’（）()【】\[\]]+")


def normalise(text: str) -> str:
    """Lower-case, no spaces or punctuation: how keywords are compared."""
    return _PUNCT.sub("", text).lower()


@dataclass
class Rule:
    name: str
    func: Handler
    msg_types: tuple[str, ...] = ()
    keywords: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    events: tuple[str, ...] = ()
    menu_keys: tuple[str, ...] = ()
    flow: str | None = None
    intents: tuple[str, ...] = ()


@dataclass
class Router:
    keyword_rules: list[Rule] = field(default_factory=list)
    pattern_rules: list[Rule] = field(default_factory=list)
    event_rules: dict[str, Rule] = field(default_factory=dict)
    menu_rules: dict[str, Rule] = field(default_factory=dict)
    type_rules: dict[str, Rule] = field(default_factory=dict)
    flow_rules: dict[str, Rule] = field(default_factory=dict)
    intent_rules: dict[str, Rule] = field(default_factory=dict)
    exit_rule: Rule | None = None
    fallback_rule: Rule | None = None
    help_lines: list[tuple[int, str]] = field(default_factory=list)

    # -- registration -------------------------------------------------------
    def text(
        self, keywords: tuple[str, ...] = (), pattern: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Route text (and recognised voice) by exact keyword or by regex."""

        def register(func: Handler) -> Handler:
            rule = Rule(_name(func), func, keywords=frozenset(normalise(k) for k in keywords))
            if pattern:
                rule.pattern = re.compile(pattern)
                self.pattern_rules.append(rule)
            if keywords:
                self.keyword_rules.append(rule)
            return func

        return register

    def event(self, *events: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            for name in events:
                self.event_rules[name.lower()] = Rule(_name(func), func, events=events)
            return func

        return register

    def menu(self, *keys: str) -> Callable[[Handler], Handler]:
        """Route a CLICK menu key; the menu file is checked against these at sync time."""

        def register(func: Handler) -> Handler:
            for key in keys:
                self.menu_rules[key] = Rule(_name(func), func, menu_keys=keys)
            return func

        return register

    def message(self, *msg_types: str) -> Callable[[Handler], Handler]:
        """The default for a message type (image, voice without recognition, location…)."""

        def register(func: Handler) -> Handler:
            for msg_type in msg_types:
                self.type_rules[msg_type] = Rule(_name(func), func, msg_types=msg_types)
            return func

        return register

    def flow(self, name: str) -> Callable[[Handler], Handler]:
        """Every message of a person inside flow `name` goes here until it ends."""

        def register(func: Handler) -> Handler:
            self.flow_rules[name] = Rule(_name(func), func, flow=name)
            return func

        return register

    def intent(self, *intents: str) -> Callable[[Handler], Handler]:
        """Text the understanding step (core.nlu) reads as one of these intents."""

        def register(func: Handler) -> Handler:
            for name in intents:
                self.intent_rules[name] = Rule(_name(func), func, intents=intents)
            return func

        return register

    def exit(self, func: Handler) -> Handler:
        self.exit_rule = Rule(_name(func), func)
        return func

    def fallback(self, func: Handler) -> Handler:
        self.fallback_rule = Rule(_name(func), func)
        return func

    def offers(self, order: int, line: str) -> None:
        """Declare a help line for a feature that exists."""
        self.help_lines.append((order, line))
        self.help_lines.sort()

    # -- resolution ---------------------------------------------------------
    def resolve(self, ctx: Context) -> Rule | None:
        """The rule that answers this message, or None for "reply success"."""
        msg = ctx.message
        text = normalise(ctx.text) if ctx.text else ""
        if ctx.conversation.flow:
            in_flow = self._in_flow(ctx, text)
            if in_flow is not None:
                return in_flow
        if msg.msg_type == "event":
            if msg.event == "click" and msg.event_key in self.menu_rules:
                return self.menu_rules[msg.event_key]
            return self.event_rules.get(msg.event)
        if text:
            return self._for_text(ctx, text)
        return self.type_rules.get(msg.msg_type)

    def _in_flow(self, ctx: Context, text: str) -> Rule | None:
        """Inside a flow: leaving it, another command (which leaves it), or the step."""
        if text in EXIT_WORDS and self.exit_rule:
            return self.exit_rule
        elsewhere = self._command_elsewhere(ctx, text)
        if elsewhere is not None:
            ctx.conversation.clear()  # another command leaves the flow
            return elsewhere
        flow_rule = self.flow_rules.get(ctx.conversation.flow or "")
        return flow_rule if flow_rule and ctx.message.msg_type != "event" else None

    def _for_text(self, ctx: Context, text: str) -> Rule | None:
        """Command words, patterns, then what the understanding step reads."""
        if text in EXIT_WORDS and self.exit_rule:
            return self.exit_rule
        for rule in self.keyword_rules:
            if text in rule.keywords:
                return rule
        for rule in self.pattern_rules:
            if rule.pattern and rule.pattern.search(ctx.text):
                return rule
        if ctx.settings.nlu_enabled:
            understood = self.intent_rules.get(ctx.understanding.intent)
            if understood is not None:
                ctx.by_intent = True
                return understood
        return self.fallback_rule

    def _command_elsewhere(self, ctx: Context, text: str) -> Rule | None:
        """Inside a flow, a command word of another feature (or its pattern, "取消1"),
        which is answered rather than read as an answer to the step. A number is always
        the step's answer."""
        if not text or _DIGITS.match(text):
            return None
        for rule in self.keyword_rules:
            if text in rule.keywords and rule.flow != ctx.conversation.flow:
                return rule
        for rule in self.pattern_rules:
            if rule.pattern and rule.pattern.search(ctx.text):
                return rule
        return None

    def known_menu_keys(self) -> set[str]:
        return set(self.menu_rules)


def _name(func: Handler) -> str:
    module = func.__module__.rsplit(".", 1)[-1]
    return f"{module}.{func.__name__}"


router = Router()
