"""`vetbot faq calibrate`: choose the matcher's weights and thresholds without the dev set.

Tuning on the dev set would make its figures meaningless, so the matcher is tuned on two
things of its own instead:

- cross-validation over the FAQ's phrasings: each fold's similar questions are taken out
  of the index and asked as questions (they were written as real people ask, so they
  stand in for unseen questions; they are harder than most, since they were written to
  tell neighbouring entries apart);
- `content/policy_faq/calibration/out_of_scope.yaml`: off-topic questions written for
  this, none of which may get a policy answer.

It prints the figures for the thresholds in force and for a grid around them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.content_files import read_yaml
from core.faq.evaluate import catalog_from_entries
from core.faq.matcher import Ranked, Thresholds, decide, rank
from core.faq.models import ANSWERED, MISSED, SUGGESTED
from core.faq.schema import CONTENT_DIR, Entry

OFF_TOPIC_FILE = CONTENT_DIR / "calibration" / "out_of_scope.yaml"
FOLDS = 5
ANSWER_GRID = (0.35, 0.40, 0.45, 0.50, 0.55)
SUGGEST_GRID = (0.15, 0.175, 0.20, 0.225, 0.25)


@dataclass(frozen=True)
class Sample:
    expect: str | None  # None: off topic
    ranked: Ranked


@dataclass(frozen=True)
class Figures:
    """Shares of the in-scope samples, and counts of the off-topic ones."""

    top1: float
    top3: float
    answered_right: float
    answered_wrong: float
    off_topic_answered: int
    off_topic_suggested: int
    off_topic: int


def load_off_topic(path: Path = OFF_TOPIC_FILE) -> list[str]:
    raw = read_yaml(path) or {}
    return [str(q) for q in raw.get("questions") or []]


def cross_validation(entries: list[Entry], folds: int = FOLDS) -> list[Sample]:
    """Every similar question, asked of an index built without its fold."""
    samples = []
    for fold in range(folds):
        kept = [
            replace(e, similar=[q for i, q in enumerate(e.similar) if i % folds != fold])
            for e in entries
        ]
        catalog = catalog_from_entries(kept)
        for entry in entries:
            for i, question in enumerate(entry.similar):
                if i % folds == fold:
                    samples.append(Sample(entry.id, rank(catalog, question)))
    return samples


def off_topic_samples(entries: list[Entry], questions: list[str]) -> list[Sample]:
    catalog = catalog_from_entries(entries)
    return [Sample(None, rank(catalog, q)) for q in questions]


def figures(samples: list[Sample], limits: Thresholds) -> Figures:
    in_scope = [s for s in samples if s.expect is not None]
    counts = {"top1": 0, "top3": 0, "right": 0, "wrong": 0, "oos_answer": 0, "oos_suggest": 0}
    for sample in samples:
        result = decide(sample.ranked, limits)
        if sample.expect is None:
            counts["oos_answer"] += result.tier == ANSWERED
            counts["oos_suggest"] += result.tier == SUGGESTED
            continue
        ranked = [c.faq_id for c in result.candidates]
        shown = result.tier != MISSED
        counts["top1"] += shown and ranked[:1] == [sample.expect]
        counts["top3"] += shown and sample.expect in ranked[:3]
        if result.tier == ANSWERED:
            counts["right" if result.faq_id == sample.expect else "wrong"] += 1
    n = len(in_scope) or 1
    return Figures(
        counts["top1"] / n,
        counts["top3"] / n,
        counts["right"] / n,
        counts["wrong"] / n,
        counts["oos_answer"],
        counts["oos_suggest"],
        len(samples) - len(in_scope),
    )


def report_lines(samples: list[Sample], current: Thresholds) -> list[str]:
    def row(label: str, f: Figures) -> str:
        return (
            f"{label:<24} {f.top1:6.1%} {f.top3:6.1%} {f.answered_right:7.1%} "
            f"{f.answered_wrong:6.1%}   {f.off_topic_answered:>3}/{f.off_topic:<3} "
            f"{f.off_topic_suggested:>3}/{f.off_topic}"
        )

    in_scope = sum(s.expect is not None for s in samples)
    lines = [
        f"{in_scope} held-out phrasings ({FOLDS}-fold), "
        f"{len(samples) - in_scope} off-topic questions",
        f"{'thresholds':<24} {'top-1':>6} {'top-3':>6} {'ans ok':>7} {'wrong':>6}   "
        f"{'off-topic answered':<18} suggested",
        row(
            f"in force {current.answer_min:.3f}/{current.suggest_min:.3f}",
            figures(samples, current),
        ),
    ]
    for answer_min in ANSWER_GRID:
        for suggest_min in SUGGEST_GRID:
            limits = Thresholds(answer_min, suggest_min, current.margin)
            lines.append(
                row(f"answer {answer_min:.3f} suggest {suggest_min:.3f}", figures(samples, limits))
            )
    return lines
