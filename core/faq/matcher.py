"""Three tiers: answer, offer the top 3, or fall back — decided by the combined score."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.faq.catalog import Catalog
from core.models.faq import ANSWERED, MISSED, SUGGESTED

# Calibrated on the dev set (content/policy_faq/eval/dev.yaml); see README for the figures.
ANSWER_MIN = 0.46
SUGGEST_MIN = 0.20
# A clear winner: the runner-up must trail by this much for a direct answer.
ANSWER_MARGIN = 0.03


@dataclass(frozen=True)
class Candidate:
    faq_id: str
    question: str
    score: float


@dataclass(frozen=True)
class Match:
    tier: str
    faq_id: str | None
    score: float
    candidates: list[Candidate] = field(default_factory=list)


# This is Jiading's bot: Beijing's practice answers only questions that ask about Beijing.
BEIJING = "北京"
OTHER_PLACE_PRIOR = -0.10
ASKED_PLACE_PRIOR = 0.08


def _scope_prior(scope: str, asks_beijing: bool) -> float:
    if scope == "beijing":
        return ASKED_PLACE_PRIOR if asks_beijing else OTHER_PLACE_PRIOR
    return OTHER_PLACE_PRIOR / 2 if asks_beijing else 0.0


def match(catalog: Catalog, text: str) -> Match:
    asks_beijing = BEIJING in text
    rescored = []
    for s in catalog.index.search(text, limit=10):
        entry = catalog.entries.get(s.entry_id)
        if entry is not None:
            score = max(0.0, min(1.0, s.score + _scope_prior(entry.scope, asks_beijing)))
            rescored.append(Candidate(entry.id, entry.question, round(score, 4)))
    rescored.sort(key=lambda c: c.score, reverse=True)
    candidates = rescored[:3]
    if not candidates or candidates[0].score < SUGGEST_MIN:
        top = candidates[0].score if candidates else 0.0
        return Match(MISSED, None, top, candidates)
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if best.score >= ANSWER_MIN and best.score - runner_up >= ANSWER_MARGIN:
        return Match(ANSWERED, best.faq_id, best.score, candidates)
    shown = [c for c in candidates if c.score >= SUGGEST_MIN]
    return Match(SUGGESTED, None, best.score, shown)
