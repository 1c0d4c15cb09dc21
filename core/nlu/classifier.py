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
from collections import Counter
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


# Weight tables up to this many values are kept in double precision too, for speed (the
# intents' model: about 1 M); larger ones (the FAQ's ranker: about 11 M) only in half.
DENSE_MAX_VALUES = 2_000_000


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
        # The same half-precision values, widened once instead of on every message.
        self._rows = (
            self.weights.astype(np.float64) if self.weights.size <= DENSE_MAX_VALUES else None
        )
        self._flat = self.weights.reshape(-1)

    def _vector(self, feats: list[str]) -> tuple[NDArray[np.intp], NDArray[np.float64]] | None:
        """The message's tf-idf vector (sublinear tf, l2 norm) over the known features:
        their rows in the weights and their values; None when none is known."""
        known = self._known
        columns = []
        values = []
        for f, n in Counter(feats).items():
            hit = known.get(f)
            if hit is not None:
                columns.append(hit[0])
                values.append((1.0 + math.log(n)) * hit[1] if n > 1 else hit[1])
        if not columns:
            return None
        weights = np.asarray(values)
        weights /= math.sqrt(float(weights @ weights))
        return np.asarray(columns, dtype=np.intp), weights

    def scores(self, feats: list[str]) -> NDArray[np.float64]:
        """The decision value of every intent for one message's features."""
        vector = self._vector(feats)
        if vector is None:
            return self.intercepts.copy()
        columns, values = vector
        rows = self._rows if self._rows is not None else self.weights
        return values @ rows.take(columns, axis=0) + self.intercepts

    def scores_of(self, feats: list[str], labels: NDArray[np.intp]) -> NDArray[np.float64]:
        """The decision values of the labels at these positions only (the FAQ's ranker needs
        those of a shortlist of entries, not of all of them)."""
        vector = self._vector(feats)
        if vector is None:
            return self.intercepts[labels]
        columns, values = vector
        cells = (columns[:, None] * len(self.intents) + labels[None, :]).ravel()
        table = self._flat.take(cells).reshape(len(columns), len(labels))
        return values @ table.astype(np.float64) + self.intercepts[labels]

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
