"""`python -m core.nlu.fit`: scikit-learn's fit, in a process of its own.

core.nlu.classifier.train sends the examples' features and labels (pickled, on standard
input) and reads the fitted model's parts back (pickled, on standard output): the
vocabulary, the idf, the weights as a features x labels float32 table, the intercepts.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

import numpy as np


def fit(docs: list[list[str]], labels: list[str], c: float, min_df: int) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer=_as_given, sublinear_tf=True, min_df=min_df)
    matrix = vectorizer.fit_transform(docs)
    svm = LinearSVC(C=c, random_state=0).fit(matrix, labels)
    return {
        "intents": [str(i) for i in svm.classes_],
        "vocabulary": {str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        "idf": np.asarray(vectorizer.idf_, dtype=np.float64),
        "weights": np.ascontiguousarray(svm.coef_.T, dtype=np.float16),
        "intercepts": np.asarray(svm.intercept_, dtype=np.float64),
    }


def _as_given(features: list[str]) -> list[str]:
    """The documents are their features already (worked out by the caller)."""
    return features


def main() -> None:
    request = pickle.loads(sys.stdin.buffer.read())
    fitted = fit(request["docs"], request["labels"], request["c"], request["min_df"])
    sys.stdout.buffer.write(pickle.dumps(fitted))


if __name__ == "__main__":
    main()
