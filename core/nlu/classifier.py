"""Which intent a message is: a linear model over character n-grams and words.

Trained with scikit-learn (LinearSVC over tf-idf features: character 1–3-grams of the
folded text, which survive typos and homophones, and the FAQ tokenizer's words) on the
intents' example phrasings plus, for `policy`, the FAQ's own questions and similar
questions and, for `none`, the off-topic questions written for the FAQ's calibration.
Training takes well under a second, so it happens at start-up (before gunicorn forks).

Scoring a message does not go through scikit-learn: its per-call checks cost more than
the arithmetic. `Model.scores` computes the same decision values (tf-idf with sublinear tf
and l2 norm, then the weights) from the fitted vocabulary, idf and coefficients;
tests/nlu/test_classifier.py holds the two equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
    weights: NDArray[np.float64]  # features x intents
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
    examples: Sequence[tuple[str, str]], analyse: Callable[[str], list[str]], c: float = C
) -> Model:
    """Fit on (text, intent) pairs; `analyse` turns a text into its features."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts = [text for text, _ in examples]
    labels = [intent for _, intent in examples]
    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    svm = LinearSVC(C=c, random_state=0).fit(matrix, labels)
    return Model(
        intents=[str(i) for i in svm.classes_],
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float64),
        intercepts=np.asarray(svm.intercept_, dtype=np.float64),
    )
