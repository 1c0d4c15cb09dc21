"""The matcher's tiers and ranking, on the shipped content and on hand-made candidates."""

from __future__ import annotations

import pytest

from core.faq.evaluate import catalog_from_entries
from core.faq.matcher import Candidate, Ranked, Thresholds, decide, match, rank
from core.faq.models import ANSWERED, MISSED, SUGGESTED
from core.faq.schema import load_entries

LIMITS = Thresholds(answer_min=0.45, suggest_min=0.175, margin=0.05)


@pytest.fixture(scope="module")
def catalog():
    return catalog_from_entries(load_entries())


def ranked(*scores: tuple[float, float], on_topic: bool = True) -> Ranked:
    return Ranked(
        [Candidate(f"e{i}", f"问题{i}", s, e) for i, (s, e) in enumerate(scores)], on_topic
    )


def test_strong_evidence_and_a_clear_winner_is_answered():
    result = decide(ranked((0.60, 0.55), (0.40, 0.42)), LIMITS)
    assert result.tier == ANSWERED
    assert result.faq_id == "e0"
    assert result.score == 0.55


def test_a_close_runner_up_turns_an_answer_into_choices():
    result = decide(ranked((0.60, 0.55), (0.57, 0.50), (0.10, 0.12)), LIMITS)
    assert result.tier == SUGGESTED
    assert result.faq_id is None
    assert [c.faq_id for c in result.candidates] == ["e0", "e1"]  # e2 is below the floor


def test_weak_evidence_falls_back():
    assert decide(ranked((0.30, 0.15)), LIMITS).tier == MISSED
    assert decide(Ranked([], True), LIMITS).tier == MISSED


def test_a_question_naming_nothing_of_the_domain_gets_no_mere_suggestions():
    assert decide(ranked((0.30, 0.30)), LIMITS).tier == SUGGESTED
    assert decide(ranked((0.30, 0.30), on_topic=False), LIMITS).tier == MISSED
    # Very close to one of the ways an entry is asked: answered all the same.
    assert decide(ranked((0.70, 0.70), on_topic=False), LIMITS).tier == ANSWERED


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("当兵回来一直待业，失业保险怎么弄", "unemployment-insurance-after-discharge"),
        ("退五以后没活干 失叶金能领不", "unemployment-insurance-after-discharge"),
    ],
)
def test_colloquial_and_misspelt_questions_find_their_entry(catalog, question, entry):
    assert match(catalog, question).candidates[0].faq_id == entry


@pytest.mark.parametrize("question", ["明天会下雨吗", "附近有什么好吃的", "孩子高考志愿怎么填"])
def test_everyday_questions_fall_back(catalog, question):
    assert match(catalog, question).tier == MISSED


def test_policy_words_make_a_question_on_topic(catalog):
    assert rank(catalog, "附近的就业服务站在哪").on_topic
    assert not rank(catalog, "附近有什么好吃的").on_topic


def test_candidates_come_best_first_with_evidence_beside_the_score(catalog):
    candidates = rank(catalog, "公益岗能干几年").candidates
    assert len(candidates) == 3
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(0.0 <= c.evidence <= 1.0 for c in candidates)
