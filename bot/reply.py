"""What a handler answers, independent of how it is rendered (XML, CLI, JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.textfit import MAX_TEXT_BYTES, fit_text

__all__ = ["MAX_TEXT_BYTES", "Article", "Reply", "fit_text"]


@dataclass
class Article:
    title: str
    description: str
    url: str
    image: str = ""


@dataclass
class Reply:
    """A handler's answer. `silent` means reply "success" (nothing shown)."""

    text: str | None = None
    article: Article | None = None
    silent: bool = False
    handler: str | None = None
    intent: str | None = None
    faq_id: str | None = None
    score: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    # What the understanding step read in the message (intent, slots, also, confidence),
    # kept with the reply for the log, the curators' console and `vetbot nlu eval`.
    understood: dict[str, Any] | None = None
    # The person has just deleted their data (bot.handlers.privacy): this exchange is
    # not written to the message log, which would otherwise recreate them.
    forget: bool = False

    @classmethod
    def quiet(cls, handler: str | None = None, intent: str | None = None) -> Reply:
        return cls(silent=True, handler=handler, intent=intent)

    @property
    def kind(self) -> str:
        if self.silent:
            return "none"
        return "news" if self.article else "text"

    def shown_text(self) -> str:
        """The reply as a person would read it, for logs and the CLI."""
        if self.article:
            return f"{self.article.title}\n{self.article.description}\n{self.article.url}"
        return self.text or ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for Redis and the log: the fields that differ from their defaults.

        Hand-written (dataclasses.asdict deep-copies); `from_dict` fills in the rest.
        """
        data: dict[str, Any] = {}
        if self.text is not None:
            data["text"] = self.text
        if self.article is not None:
            data["article"] = asdict(self.article)
        if self.silent:
            data["silent"] = True
        for name in ("handler", "intent", "faq_id", "score"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.candidates:
            data["candidates"] = self.candidates
        if self.understood:
            data["understood"] = self.understood
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        article = data.pop("article", None)
        return cls(article=Article(**article) if article else None, **data)
