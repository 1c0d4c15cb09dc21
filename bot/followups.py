"""Follow-ups that only make sense after the bot's last answer: "安亭的呢" after a job list,
"周六呢" after a station's hours, "领多久" after a policy answer.

People on a phone do not repeat themselves. After each answer the conversation keeps its
**topic**: the intent answered and the slots it used (for a policy answer, the entry).
A later short message that is no clear request of its own is read against that topic:

- it names a detail the topic takes (a town, a kind of work, pay, a day, an event kind):
  the topic's intent again, with the new details replacing the old ones ("安亭的呢" after
  "有保安的活吗" is 保安 jobs in 安亭);
- after a policy answer, a question that names nothing of the policy domain by itself
  ("领多久", "要带啥材料") is asked of the FAQ together with the entry's question.

A message that is a clear request of another kind, or that names its own policy subject,
is read as it is. Inside a flow the step reads answers (bot.handlers.choices), not this.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.router import normalise
from core.nlu.understand import Understanding

if TYPE_CHECKING:
    from bot.context import Context
    from bot.reply import Reply

TOPIC = "topic"

# Which details each topic takes, so a message naming one of them continues the topic.
TAKES: dict[str, tuple[str, ...]] = {
    "job.search": ("town", "job_kind", "pay_min", "pay_max"),
    "event.list": ("town", "date", "event_kind"),
    "station.hours": ("town", "date", "part_of_day"),
    "station.find": ("town",),
}
# Replies that answer a topic. The jobs list's slots are the search's; a station reply's
# are what the handler used (a town picked by number), kept in `Context.topic_slots`.
TOPIC_OF_REPLY = {
    "jobs": "job.search",
    "jobs_empty": "job.search",
    "jobs_end": "job.search",
    "events": "event.list",
    "events_empty": "event.list",
    "stations_hours": "station.hours",
    "stations_town": "station.find",
}
# Replies that leave the topic as it was: a miss (the person may say it again), small talk,
# a pick from the list just shown, the next page of it.
KEEPS_TOPIC = frozenset({"faq_fallback", "nothing_to_pick", "job_pick"})
KEEPS_TOPIC_HANDLERS = ("smalltalk.", "jobs_chat.more_jobs")
# Asking about a station and then its hours (or the other way round) is the same subject.
SAME_SUBJECT = {"station.find": "station.hours", "station.hours": "station.find"}
POLICY = "policy"
# A follow-up is short; a longer message says what it means on its own.
FOLLOW_UP_MAX_CHARS = 12
# A message the model reads as another request with a positive decision value is that
# request ("我要预约去安亭服务站" after a job list); below it, a detail the topic takes wins
# ("安亭有没有" after the job fairs).
CLEAR_REQUEST = 0.0
# Words of an elliptical question ("安亭的呢", "那边有没有"): with a detail the topic takes,
# the topic goes on whatever else the model reads.
ELLIPSIS = ("呢", "有没有", "有吗", "有伐", "有不", "那边", "那儿")
# Details that make a short message a request of its own rather than a policy follow-up.
NOT_POLICY_DETAILS = frozenset({"town", "date", "part_of_day", "ordinal", "pay_min", "pay_max"})
# After a station's answer, "怎么过去" / "电话多少" asks for its details again.
STATION_DETAIL_WORDS = ("怎么过去", "怎么去", "怎么走", "在哪", "地址", "电话", "坐几路", "地铁")
# Intents that never continue a topic: small talk, a person, help, the bare "more".
NEVER_FOLLOW = frozenset(
    {
        "chat.greeting", "chat.thanks", "chat.who", "chat.goodbye", "chat.complaint",
        "chat.praise", "handover", "help", "job.more",
    }
)  # fmt: skip


def note(ctx: Context, reply: Reply) -> None:
    """Keep what this answer was about, for the next message (or forget an older topic)."""
    if reply.silent:
        return
    topic = _topic_of(ctx, reply)
    keeps = reply.intent in KEEPS_TOPIC or (reply.handler or "").startswith(KEEPS_TOPIC_HANDLERS)
    if topic is None and keeps:
        return
    if topic != ctx.conversation.recall(TOPIC):
        ctx.conversation.remember(TOPIC, topic)
    if topic and topic["intent"] != POLICY and reply.understood is None and ctx.understood is None:
        # Answered by a command word or a flow's step ("马陆" for the town asked about):
        # what was understood is the topic, as a rule reads it.
        reply.understood = {"intent": topic["intent"], "confidence": 1.0, "slots": topic["slots"]}


def _topic_of(ctx: Context, reply: Reply) -> dict[str, Any] | None:
    if reply.faq_id and reply.intent in ("faq_answer", "faq_choice"):
        return {"intent": POLICY, "faq_id": reply.faq_id}
    intent = TOPIC_OF_REPLY.get(reply.intent or "")
    if intent is None:
        return None
    used = ctx.topic_slots if ctx.topic_slots is not None else ctx.slots
    return {
        "intent": intent,
        "slots": _jsonable({k: v for k, v in used.items() if k in TAKES[intent]}),
    }


def _jsonable(slots: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, int | str) else str(v) for k, v in slots.items()}


def resolve(ctx: Context, understood: Understanding) -> Understanding:
    """The understanding of a follow-up, read against the last answer's topic."""
    if ctx.conversation.flow or len(normalise(ctx.text)) > FOLLOW_UP_MAX_CHARS:
        return understood
    topic = ctx.conversation.recall(TOPIC)
    if not isinstance(topic, dict) or understood.intent in NEVER_FOLLOW:
        return understood
    if topic.get("intent") == POLICY:
        return _policy_follow_up(ctx, understood, str(topic.get("faq_id") or ""))
    return _detail_follow_up(ctx, understood, topic)


def _detail_follow_up(
    ctx: Context, understood: Understanding, topic: dict[str, Any]
) -> Understanding:
    """ "安亭的呢": the topic's intent with the details named now replacing the old ones."""
    from bot.understanding import read_slots

    intent = str(topic.get("intent"))
    earlier = dict(topic.get("slots") or {})
    if understood.intent == SAME_SUBJECT.get(intent) and understood.confidence >= 0:
        # "周六开吗" after 马陆's stations: their hours, in 马陆
        shared = {k: v for k, v in earlier.items() if k in TAKES[understood.intent]}
        return replace(understood, slots={**shared, **understood.slots})
    takes = TAKES.get(intent, ())
    named = {k: v for k, v in read_slots(ctx.text).items() if k in takes}
    if not named:
        return _station_details(ctx, understood, intent, earlier)
    other_request = understood.intent not in (intent, POLICY, "none")
    elliptical = any(word in ctx.text for word in ELLIPSIS)
    if other_request and understood.confidence >= CLEAR_REQUEST and not elliptical:
        return understood
    slots = {**earlier, **named}
    if "pay_min" in named and "pay_max" not in named:
        slots.pop("pay_max", None)
    return replace(understood, intent=intent, slots=slots, also=())


def _station_details(
    ctx: Context, understood: Understanding, intent: str, earlier: dict[str, Any]
) -> Understanding:
    """ "怎么过去" after a town's stations or their hours: those stations' details again."""
    town = earlier.get("town")
    if intent not in SAME_SUBJECT or not town or understood.intent not in (POLICY, "none"):
        return understood
    if not any(word in ctx.text for word in STATION_DETAIL_WORDS):
        return understood
    return replace(understood, intent="station.find", slots={"town": town}, also=())


def _policy_follow_up(ctx: Context, understood: Understanding, faq_id: str) -> Understanding:
    """ "领多久" after an answer: the FAQ is asked with the answered entry's question."""
    from bot.understanding import read_slots

    if understood.intent not in (POLICY, "none") or NOT_POLICY_DETAILS & set(read_slots(ctx.text)):
        return understood
    from core.faq.catalog import catalog_cache

    catalog = catalog_cache.get(ctx.open_session)
    entry = catalog.entries.get(faq_id)
    if entry is None or catalog.index.names_domain(ctx.text):
        return understood
    ctx.policy_text = f"{entry.question} {ctx.text}"
    ctx.follows_faq_id = faq_id
    return replace(understood, intent=POLICY, also=())
