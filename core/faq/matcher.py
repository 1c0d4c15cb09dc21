"""Three tiers: answer, offer the top 3, or fall back."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.faq.catalog import Catalog
from core.faq.models import ANSWERED, MISSED, SUGGESTED

# Chosen with `vetbot faq calibrate` (never on the dev set); see the README for the figures.
ANSWER_MIN = 0.47
SUGGEST_MIN = 0.175
# A clear winner: the runner-up must trail by this much for a direct answer.
ANSWER_MARGIN = 0.05


@dataclass(frozen=True)
class Candidate:
    faq_id: str
    question: str
    score: float  # ranks the candidates
    evidence: float = 0.0  # decides the tier (see core.faq.index.Scored)


@dataclass(frozen=True)
class Match:
    tier: str
    faq_id: str | None
    score: float
    candidates: list[Candidate] = field(default_factory=list)


# How much the learned ranker's decision value adds to an entry's score (core.faq.index):
# chosen on the FAQ's dev tune half, the blind set's tune half and the fresh set's figures
# together (README); the tiers still go by the phrasing evidence alone.
RANKER_WEIGHT = 0.3

# This is Jiading's bot: Beijing's practice answers only questions that ask about Beijing.
BEIJING = "北京"
OTHER_PLACE_PRIOR = -0.10
ASKED_PLACE_PRIOR = 0.08


def _scope_prior(scope: str, asks_beijing: bool) -> float:
    if scope == "beijing":
        return ASKED_PLACE_PRIOR if asks_beijing else OTHER_PLACE_PRIOR
    return OTHER_PLACE_PRIOR / 2 if asks_beijing else 0.0


def _clip(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 4)


@dataclass(frozen=True)
class Thresholds:
    answer_min: float
    suggest_min: float
    margin: float

    @classmethod
    def current(cls) -> Thresholds:
        """Read at call time, so a test that sets the module's constants is obeyed."""
        return cls(ANSWER_MIN, SUGGEST_MIN, ANSWER_MARGIN)


@dataclass(frozen=True)
class Ranked:
    candidates: list[Candidate]
    on_topic: bool  # see core.faq.index.Ranking


def rank(catalog: Catalog, text: str) -> Ranked:
    """The three best entries, with the scope prior applied, best first.

    The index shortlists ten by its own score; the prior and the learned ranker re-order
    those, and only the three kept become candidates."""
    asks_beijing = BEIJING in text
    found = catalog.index.shortlist(text, limit=10)
    rescored = []
    for entry_id, score, evidence, learned in zip(
        found.entry_ids, found.scores, found.evidence, found.learned, strict=True
    ):
        entry = catalog.entries.get(entry_id)
        if entry is not None:
            prior = _scope_prior(entry.scope, asks_beijing)
            rescored.append(
                (_clip(score + prior + RANKER_WEIGHT * learned), _clip(evidence + prior), entry)
            )
    rescored.sort(key=lambda c: c[0], reverse=True)
    return Ranked(
        [Candidate(e.id, e.question, score, evidence) for score, evidence, e in rescored[:3]],
        found.on_topic,
    )


def decide(ranked: Ranked, limits: Thresholds | None = None) -> Match:
    """Answer, suggest or fall back on the evidence of the best candidate.

    A question that names nothing of the domain gets an answer only on strong evidence,
    never mere suggestions. `Match.score` is the evidence: the figure the thresholds
    apply to. Kept apart from ranking so that calibration can try thresholds cheaply."""
    limits = limits or Thresholds.current()
    candidates = ranked.candidates
    floor = limits.suggest_min if ranked.on_topic else limits.answer_min
    if not candidates or candidates[0].evidence < floor:
        top = candidates[0].evidence if candidates else 0.0
        return Match(MISSED, None, top, candidates)
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if best.evidence >= limits.answer_min and best.score - runner_up >= limits.margin:
        return Match(ANSWERED, best.faq_id, best.evidence, candidates)
    shown = [c for c in candidates if c.evidence >= limits.suggest_min]
    return Match(SUGGESTED, None, best.evidence, shown)


def match(catalog: Catalog, text: str) -> Match:
    return decide(rank(catalog, text))
