"""Keeping a chat reply inside what WeChat shows."""

from __future__ import annotations

# WeChat cuts passive text replies at about 2,048 bytes; keep a margin.
MAX_TEXT_BYTES = 2000


def fit_text(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """Trim a reply so WeChat shows all of it, cutting at a line break when possible."""
    if len(text.encode("utf-8")) <= limit:
        return text
    suffix = "…"
    budget = limit - len(suffix.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    newline = cut.rfind("\n")
    if newline > len(cut) // 2:
        cut = cut[:newline]
    return cut.rstrip() + suffix
