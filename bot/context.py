"""Everything a handler needs about the message it answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.inbound import Inbound
from bot.session import Conversation
from core.chatlog.models import MessageLog
from core.config import Settings
from core.db import db
from core.nlu.understand import Understanding
from core.people import people
from core.people.models import Person


class Context:
    """The message, the conversation, the session and the person — each only if asked for.

    Most answers (help, a policy answer) never touch the person's row, and many never
    touch the database at all; creating the session and loading the person lazily keeps
    those replies free of both.

    `logs_later`: Redis holds this message's claim, so its log rows go to the batched
    writer (core.chatlog.activity_log), which also upserts the person's row (last seen,
    the 48-hour window). A handler may add rows that belong with the log to `with_log`
    (a policy question's log row, a follow-up to it) instead of writing them itself.
    Otherwise (Redis down) everything is written now, in the message's transaction.
    """

    def __init__(
        self,
        message: Inbound,
        conversation: Conversation,
        settings: Settings,
        session: Session | None = None,
        person: Person | None = None,
        inbound_log: MessageLog | None = None,
        *,
        logs_later: bool = False,
    ) -> None:
        self.message = message
        self.conversation = conversation
        self.settings = settings
        self.inbound_log = inbound_log
        self.logs_later = logs_later
        self.with_log: dict[str, Any] = {}
        self._understanding: Understanding | None = None
        # Intents of the message a handler has answered besides its own (a greeting's
        # request), so a second request is acknowledged only when nobody answered it.
        self.answered: set[str] = set()
        # Set by the router when the understanding step, not a command word, chose the
        # handler: only then do the slots it read shape the answer ("招聘会" lists every
        # event as it always did; "周六的招聘会" lists Saturday's fairs).
        self.by_intent = False
        # Set by a handler whose answer used details the slots did not carry (a town picked
        # by number): what a follow-up continues from (bot.followups).
        self.topic_slots: dict[str, Any] | None = None
        # A follow-up policy question asked together with the last answer's question.
        self.policy_text: str | None = None
        self.follows_faq_id: str | None = None
        self._session = session
        self._person = person

    @property
    def session(self) -> Session:
        """The thread's database session, taken on first use."""
        if self._session is None:
            self._session = db.session()
        return self._session

    def open_session(self) -> Session:
        """The session, for callers that may not need one (core.faq.catalog.SessionSource)."""
        return self.session

    @property
    def session_used(self) -> bool:
        return self._session is not None

    @property
    def person(self) -> Person:
        """The sender's row, read (or created) once; with `logs_later` its activity times are
        the batched writer's to set, so reading it here writes nothing more."""
        if self._person is None:
            self._person = people.get_or_create_person(self.session, self.message.from_user)
            if not self.logs_later:
                people.touch(self._person, user_message=self.message.opens_service_window)
        return self._person

    @property
    def understanding(self) -> Understanding:
        """What the person wants (core.nlu), worked out on first use, once per message."""
        if self._understanding is None:
            from bot import followups
            from bot.understanding import understand

            self._understanding = followups.resolve(self, understand(self.open_session, self.text))
        return self._understanding

    @property
    def slots(self) -> dict[str, Any]:
        """The slots the understanding step read, when it chose the handler; else none."""
        return dict(self.understanding.slots) if self.by_intent else {}

    @property
    def understood(self) -> dict[str, Any] | None:
        """The understanding as plain data, if it was worked out for this message."""
        u = self._understanding
        if u is None:
            return None
        return {
            "intent": u.intent,
            "confidence": round(u.confidence, 3),
            "slots": u.slots,
            "also": list(u.also),
        }

    @property
    def text(self) -> str:
        """What the person said: typed text, or the speech recognition of a voice message."""
        if self.message.msg_type == "text":
            return self.message.content
        if self.message.msg_type == "voice":
            return self.message.recognition
        return ""
