"""`vetbot faq eval`: how well the matcher does on held-out questions, against a baseline.

The dev set holds questions phrased unlike any similar question, labelled with the
entry that answers them (or none, for out-of-scope questions). The baseline is plain
BM25 (rank_bm25) over jieba tokens of the standard questions only, measured in the
same run on the same questions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.faq.catalog import Catalog, EntryView, catalog_from_views, text_processor
from core.faq.check import DevItem
from core.faq.matcher import match
from core.faq.models import ANSWERED, MISSED
from core.faq.schema import Entry


@dataclass
class Report:
    name: str
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    oos_answered: int = 0
    misses: list[str] = field(default_factory=list)

    def pct(self, n: int, of: int) -> float:
        return 100.0 * n / of if of else 0.0

    def lines(self) -> list[str]:
        return [
            f"{self.name}:",
            f"  top-1 accuracy          {self.pct(self.top1, self.in_scope):5.1f} %  ({self.top1}/{self.in_scope})",
            f"  top-3 accuracy          {self.pct(self.top3, self.in_scope):5.1f} %  ({self.top3}/{self.in_scope})",
            f"  answered correctly      {self.pct(self.answered_right, self.in_scope):5.1f} %",
            f"  answered wrongly        {self.pct(self.answered_wrong, self.in_scope):5.1f} %",
            f"  out-of-scope answered   {self.pct(self.oos_answered, self.out_of_scope):5.1f} %  "
            f"({self.oos_answered}/{self.out_of_scope})",
        ]


def catalog_from_entries(entries: list[Entry]) -> Catalog:
    views = [
        (
            EntryView(
                e.id,
                e.category,
                e.question,
                tuple(e.similar),
                e.answer,
                e.detail,
                e.scope,
                tuple({"doc": s.doc, "clause": s.clause} for s in e.sources),
            ),
            list(e.keywords),
        )
        for e in entries
    ]
    return catalog_from_views(views)


def evaluate_matcher(catalog: Catalog, items: list[DevItem]) -> Report:
    report = Report("vetbot (BM25 + bigrams + lexicon, three tiers)")
    for item in items:
        result = match(catalog, item.question)
        ranked = [c.faq_id for c in result.candidates]
        if item.expect is None:
            report.out_of_scope += 1
            report.oos_answered += result.tier == ANSWERED
            continue
        report.in_scope += 1
        report.top1 += bool(ranked) and ranked[0] == item.expect and result.tier != MISSED
        report.top3 += item.expect in ranked[:3] and result.tier != MISSED
        if result.tier == ANSWERED:
            if result.faq_id == item.expect:
                report.answered_right += 1
            else:
                report.answered_wrong += 1
        if not (ranked and ranked[0] == item.expect):
            report.misses.append(
                f"{item.question} -> {ranked[:1]} (want {item.expect}, {result.tier})"
            )
    return report


def baseline_ranker(entries: list[Entry]) -> Callable[[str], list[tuple[str, float]]]:
    """rank_bm25's BM25Okapi over jieba tokens of the standard questions only."""
    from rank_bm25 import BM25Okapi

    tokenizer = text_processor().tokenizer
    corpus = [tokenizer.lcut(e.question) for e in entries]
    bm25 = BM25Okapi(corpus)

    def rank(question: str) -> list[tuple[str, float]]:
        scores = bm25.get_scores(tokenizer.lcut(question))
        order = sorted(range(len(entries)), key=lambda i: scores[i], reverse=True)
        return [(entries[i].id, float(scores[i])) for i in order[:3]]

    return rank


def evaluate_baseline(entries: list[Entry], items: list[DevItem]) -> Report:
    """The baseline answers whenever its best score is above zero (it has no other threshold)."""
    report = Report("baseline (rank_bm25 over standard questions)")
    rank = baseline_ranker(entries)
    for item in items:
        ranked = rank(item.question)
        answered = bool(ranked) and ranked[0][1] > 0
        ids = [r[0] for r in ranked] if answered else []
        if item.expect is None:
            report.out_of_scope += 1
            report.oos_answered += answered
            continue
        report.in_scope += 1
        report.top1 += bool(ids) and ids[0] == item.expect
        report.top3 += item.expect in ids
        if answered:
            if ids[0] == item.expect:
                report.answered_right += 1
            else:
                report.answered_wrong += 1
    return report
