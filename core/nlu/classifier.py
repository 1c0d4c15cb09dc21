"""Which intent a message is: a linear model over character n-grams and words.

Trained with scikit-learn (LinearSVC over tf-idf features: character 1–3-grams of the
folded text, which survive typos and homophones, and the FAQ tokenizer's words) on the
intents' example phrasings plus, for `policy`, the FAQ's own questions and similar
questions and, for `none`, the off-topic questions written for the FAQ's calibration.
Training takes a second or two, in a child process (see `train`), at start-up before
gunicorn forks.

Scoring a message does not go through scikit-learn: its per-call checks cost more than
the arithmetic. `Model.scores` computes the same decision values (tf-idf with sublinear tf
and l2 norm, then the weights) from the fitted vocabulary, idf and coefficients;
tests/nlu/test_classifier.py holds the two equal.
"""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NGRAMS = (1, 2, 3)
C = 0.5  # LinearSVC's regularisation: chosen by cross-validation on the phrasings


def features(cleaned: str, words: Sequence[str]) -> list[str]:
    """Character n-grams of the folded text, and the words, each kind prefixed."""
    found = [f"w:{w}" for w in words]
    for n in NGRAMS:
        found += [cleaned[i : i + n] for i in range(len(cleaned) - n + 1)]
    return found


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float  # the decision value of the best intent
    margin: float  # how far ahead of the runner-up it is
    runner_up: str


@dataclass
class Model:
    intents: list[str]
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    weights: NDArray[np.float16]  # features x intents (half precision: memory, not speed)
    intercepts: NDArray[np.float64]

    def __post_init__(self) -> None:
        # Per feature its column and idf in one lookup.
        self._known = {f: (col, float(self.idf[col])) for f, col in self.vocabulary.items()}

    def scores(self, feats: list[str]) -> NDArray[np.float64]:
        """The decision value of every intent for one message's features."""
        known = self._known
        counts: dict[str, int] = {}
        for f in feats:
            if f in known:
                counts[f] = counts.get(f, 0) + 1
        if not counts:
            return self.intercepts.copy()
        columns = []
        values = []
        for f, n in counts.items():
            col, idf = known[f]
            columns.append(col)
            values.append((1.0 + math.log(n)) * idf if n > 1 else idf)
        weights = np.asarray(values)
        weights /= math.sqrt(float(weights @ weights))
        return weights @ self.weights[columns] + self.intercepts

    def best(self, feats: list[str]) -> Scored:
        scores = self.scores(feats)
        order = np.argsort(-scores)
        first, second = int(order[0]), int(order[1])
        return Scored(
            self.intents[first],
            float(scores[first]),
            float(scores[first] - scores[second]),
            self.intents[second],
        )


def train(
    examples: Sequence[tuple[str, str]],
    analyse: Callable[[str], list[str]],
    c: float = C,
    *,
    min_df: int = 1,
) -> Model:
    """Fit on (text, label) pairs; `analyse` turns a text into its features.

    The features are worked out here; the fit runs in a child Python process
    (core.nlu.fit), so the server process never imports scikit-learn (about 100 MB of
    resident memory in every worker, for code needed only while training) and keeps none
    of its copies.

    `min_df`: features seen in fewer examples are dropped (with many labels, such as the
    FAQ's 187 entries, the weights are a features x labels table: rare n-grams would cost
    most of its memory and say little)."""
    request = {
        "docs": [analyse(text) for text, _ in examples],
        "labels": [label for _, label in examples],
        "c": c,
        "min_df": min_df,
    }
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "core.nlu.fit"],
        input=pickle.dumps(request),
        capture_output=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"training failed: {done.stderr.decode('utf-8', 'replace')[-2000:]}")
    return Model(**pickle.loads(done.stdout))
