"""The FAQ index: BM25 over tokens plus idf-weighted character bigrams, per phrasing.

Only questions and similar questions are indexed (never answers): a person's question
is compared with the ways a question is asked. Each entry scores as its best phrasing.
Both parts are normalised to about 0..1 so one threshold means the same thing for a
short and a long question:

- BM25 is divided by the score the query would get against itself, so extra words the
  FAQ has never seen pull the score down (they are what an off-topic question is made of);
- the bigram part is a cosine over idf weights, robust to typos and unknown words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from core.faq.text import TextProcessor

K1 = 1.5
B = 0.9
BM25_WEIGHT = 0.40
BIGRAM_WEIGHT = 0.50
COVERAGE_WEIGHT = 0.10
KEYWORD_BONUS = 0.06
# Weights of the second and third best phrasings of an entry: several ways of asking
# that all match say more than one.
SUPPORT_WEIGHTS: tuple[float, float] = (0.7, 0.35)


@dataclass(frozen=True)
class Phrasing:
    entry_id: str
    text: str


@dataclass(frozen=True)
class Scored:
    entry_id: str
    score: float
    phrasing: str


class FaqIndex:
    """Immutable once built; a rebuilt index replaces it whole (safe across threads)."""

    def __init__(
        self,
        processor: TextProcessor,
        phrasings: Iterable[Phrasing],
        keywords: dict[str, list[str]] | None = None,
    ) -> None:
        self.processor = processor
        self.phrasings = list(phrasings)
        self.keyword_entries: dict[str, set[str]] = defaultdict(set)
        for entry_id, words in (keywords or {}).items():
            for word in words:
                cleaned = processor.clean(word)
                if len(cleaned) >= 2:
                    self.keyword_entries[cleaned].add(entry_id)
        self.entry_of = [p.entry_id for p in self.phrasings]
        self._build()

    def _build(self) -> None:
        token_lists = [self.processor.tokens(p.text) for p in self.phrasings]
        bigram_sets = [set(self.processor.bigrams(p.text)) for p in self.phrasings]
        n = max(len(self.phrasings), 1)
        self.avg_len = sum(len(t) for t in token_lists) / n or 1.0
        df: Counter[str] = Counter()
        for tokens in token_lists:
            df.update(set(tokens))
        self.idf = {t: _idf(n, c) for t, c in df.items()}
        self.unknown_idf = _idf(n, 0)
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, tokens in enumerate(token_lists):
            norm = K1 * (1 - B + B * len(tokens) / self.avg_len)
            for token, tf in Counter(tokens).items():
                self.postings[token].append((i, tf * (K1 + 1) / (tf + norm)))
        gdf: Counter[str] = Counter()
        for grams in bigram_sets:
            gdf.update(grams)
        self.gidf = {g: _idf(n, c) for g, c in gdf.items()}
        self.gram_postings: dict[str, list[int]] = defaultdict(list)
        self.gram_norm: list[float] = []
        for i, grams in enumerate(bigram_sets):
            for g in grams:
                self.gram_postings[g].append(i)
            self.gram_norm.append(math.sqrt(sum(self.gidf[g] ** 2 for g in grams)) or 1.0)
        self.vocabulary = frozenset(df)
        # How much information each phrasing carries, for "how much of it did the query cover".
        self.doc_weight = [sum(self.idf[t] for t in set(tokens)) or 1.0 for tokens in token_lists]

    def search(self, query: str, limit: int = 3) -> list[Scored]:
        """Entries best first: each scored by its best phrasings, plus a keyword bonus."""
        cleaned = self.processor.clean(query)
        lexical, covered = self._bm25(self.processor.tokens(cleaned, cleaned=True))
        fuzzy = self._bigram_cosine(set(self.processor.bigrams(cleaned, cleaned=True)))
        # Per entry, its three best phrasing scores (index 0..2) and the best phrasing.
        best: dict[str, list[float]] = {}
        best_doc: dict[str, int] = {}
        entry_of = self.entry_of
        for i in lexical.keys() | fuzzy.keys():
            score = (
                BM25_WEIGHT * lexical.get(i, 0.0)
                + BIGRAM_WEIGHT * fuzzy.get(i, 0.0)
                + COVERAGE_WEIGHT * covered.get(i, 0.0)
            )
            entry_id = entry_of[i]
            top = best.get(entry_id)
            if top is None:
                best[entry_id] = [score, 0.0, 0.0]
                best_doc[entry_id] = i
            elif score > top[0]:
                top[2], top[1], top[0] = top[1], top[0], score
                best_doc[entry_id] = i
            elif score > top[1]:
                top[2], top[1] = top[1], score
            elif score > top[2]:
                top[2] = score
        keyword_hits = {
            e for k, entries in self.keyword_entries.items() if k in cleaned for e in entries
        }
        second, third = SUPPORT_WEIGHTS
        scale = 1 + second + third
        ranked = []
        for entry_id, (first, two, three) in best.items():
            # The best phrasing decides; others of the same entry that also match add to it.
            score = (first + second * two + third * three) / scale
            if entry_id in keyword_hits:
                score += KEYWORD_BONUS
            ranked.append(
                Scored(entry_id, min(1.0, score), self.phrasings[best_doc[entry_id]].text)
            )
        ranked.sort(key=lambda s: s.score, reverse=True)
        return ranked[:limit]

    def _bm25(self, tokens: list[str]) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 as a share of the query's self-score, and the share of each phrasing covered."""
        if not tokens:
            return {}, {}
        query_tf = Counter(tokens)
        norm = K1 * (1 - B + B * len(tokens) / self.avg_len)
        self_score = 0.0
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for token, tf in query_tf.items():
            idf = self.idf.get(token, self.unknown_idf)
            self_score += idf * tf * (K1 + 1) / (tf + norm)
            for doc, weight in self.postings.get(token, ()):
                scores[doc] += idf * weight
                covered[doc] += idf
        if self_score <= 0:
            return {}, {}
        lexical = {doc: min(1.0, s / self_score) for doc, s in scores.items()}
        return lexical, {doc: c / self.doc_weight[doc] for doc, c in covered.items()}

    def _bigram_cosine(self, grams: set[str]) -> dict[int, float]:
        if not grams:
            return {}
        weights = {g: self.gidf.get(g, self.unknown_idf) for g in grams}
        query_norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        dots: dict[int, float] = defaultdict(float)
        for g, w in weights.items():
            for doc in self.gram_postings.get(g, ()):
                dots[doc] += w * w
        return {doc: dot / (query_norm * self.gram_norm[doc]) for doc, dot in dots.items()}


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
