"""The intent model scores as scikit-learn's fitted model does (to half precision),
and learns what it is given."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from core.faq.catalog import text_processor
from core.nlu.classifier import C, features, train

EXAMPLES = [
    ("想找份工作", "job.search"),
    ("有保安的活吗", "job.search"),
    ("安亭有招工的吗", "job.search"),
    ("附近服务站在哪", "station.nearest"),
    ("离我最近的就业服务点", "station.nearest"),
    ("最近的服务站怎么走", "station.nearest"),
    ("失业金怎么领", "policy"),
    ("创业贷款有没有贴息", "policy"),
    ("培训补贴能拿多少", "policy"),
]


def _analyse(text: str) -> list[str]:
    processor = text_processor()
    cleaned = processor.clean(text)
    return features(cleaned, processor.tokens(cleaned, cleaned=True))


def test_scores_equal_scikit_learns_decision_values():
    model = train(EXAMPLES, _analyse)
    vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True)
    svm = LinearSVC(C=C, random_state=0).fit(
        vectorizer.fit_transform([t for t, _ in EXAMPLES]), [i for _, i in EXAMPLES]
    )
    for text in ("江桥有开车的活吗", "附近哪有服务站", "贷款贴息", "完全没见过的话"):
        ours = model.scores(_analyse(text))
        theirs = svm.decision_function(vectorizer.transform([text]))[0]
        assert list(model.intents) == list(svm.classes_)
        np.testing.assert_allclose(ours, theirs, atol=2e-3)  # weights kept in half precision


def test_the_best_intent_and_its_margin():
    model = train(EXAMPLES, _analyse)
    best = model.best(_analyse("南翔有保安的工作吗"))
    assert best.intent == "job.search"
    assert best.margin > 0
    assert best.runner_up != best.intent
