"""The FAQ index: BM25 over tokens plus idf-weighted character bigrams, per phrasing.

Only questions and similar questions are indexed (never answers): a person's question
is compared with the ways a question is asked. An entry's *evidence* is a weighted mean
of its best phrasings' scores; its ranking *score* mixes in BM25 over all its phrasings
taken together. The parts are normalised to about 0..1 so one threshold means the same
thing for a short and a long question:

- BM25 is divided by the score the query would get against itself, so extra words the
  FAQ has never seen pull the score down (they are what an off-topic question is made of);
- the bigram part is a cosine over idf weights, robust to typos and unknown words.

The weights were chosen by `vetbot faq calibrate` (cross-validation over the phrasings
and a set of off-topic questions), never on the dev set.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from core.faq.text import TextProcessor

K1 = 1.5
B = 0.9
BM25_WEIGHT = 0.40
BIGRAM_WEIGHT = 0.50
COVERAGE_WEIGHT = 0.10
KEYWORD_BONUS = 0.06
ENTRY_WEIGHT = 0.3
ENTRY_K1 = 1.2
ENTRY_B = 0.75
# Weights of an entry's second, third … best phrasings: several ways of asking that all
# match say more than one.
SUPPORT_WEIGHTS: tuple[float, ...] = (0.9, 0.8, 0.7, 0.6, 0.5)
# The evidence that a question is on topic: its best phrasings, the very best counting most.
EVIDENCE_WEIGHTS: tuple[float, ...] = (1.0, 0.7, 0.35)


@dataclass(frozen=True)
class Phrasing:
    entry_id: str
    text: str


@dataclass(frozen=True)
class Scored:
    """`score` ranks the entries; `evidence` says whether the question is one of ours at all.

    The entry-level part of `score` is good at telling which of several entries on one
    subject is meant, but one shared word with an entry's whole vocabulary is weak evidence
    that a question is on topic, so the tiers are decided on the phrasings alone."""

    entry_id: str
    score: float
    evidence: float
    phrasing: str


@dataclass(frozen=True)
class Ranking:
    entries: list[Scored]
    # Whether the question names anything of the FAQ's domain (a policy term, a keyword,
    # a synonym's canonical word). Nearly every real policy question does; "附近有什么好吃的"
    # does not, however well its "附近" matches a phrasing about finding a station.
    on_topic: bool


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
        self.domain_words = _domain_words(processor, keywords or {})
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
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, tokens in enumerate(token_lists):
            norm = K1 * (1 - B + B * len(tokens) / self.avg_len)
            for token, tf in Counter(tokens).items():
                postings[token].append((i, tf * (K1 + 1) / (tf + norm)))
        # Postings as arrays: a query adds whole rows at once instead of looping per phrasing.
        self.postings = {
            t: (np.array([i for i, _ in rows], dtype=np.intp), np.array([w for _, w in rows]))
            for t, rows in postings.items()
        }
        gdf: Counter[str] = Counter()
        for grams in bigram_sets:
            gdf.update(grams)
        self.gidf = {g: _idf(n, c) for g, c in gdf.items()}
        gram_postings: dict[str, list[int]] = defaultdict(list)
        for i, grams in enumerate(bigram_sets):
            for g in grams:
                gram_postings[g].append(i)
        self.gram_postings = {g: np.array(d, dtype=np.intp) for g, d in gram_postings.items()}
        self.gram_norm = np.array(
            [math.sqrt(sum(self.gidf[g] ** 2 for g in grams)) or 1.0 for grams in bigram_sets]
        )
        # How much information each phrasing carries, for "how much of it did the query cover".
        self.doc_weight = np.array(
            [sum(self.idf[t] for t in set(tokens)) or 1.0 for tokens in token_lists]
        )
        self._build_entry_table()
        self._build_entry_bm25(token_lists)

    def _build_entry_table(self) -> None:
        """A row per entry listing its phrasings, padded with a slot that always scores 0."""
        rows: dict[str, list[int]] = {}
        for i, entry_id in enumerate(self.entry_of):
            rows.setdefault(entry_id, []).append(i)
        self.entry_ids = list(rows)
        self.entry_row = {entry_id: row for row, entry_id in enumerate(self.entry_ids)}
        width = max(
            [len(r) for r in rows.values()] + [len(SUPPORT_WEIGHTS) + 1, len(EVIDENCE_WEIGHTS)]
        )
        pad = len(self.phrasings)
        self.entry_rows = np.full((len(rows), width), pad, dtype=np.intp)
        for row, members in enumerate(rows.values()):
            self.entry_rows[row, : len(members)] = members

    def _build_entry_bm25(self, token_lists: list[list[str]]) -> None:
        """BM25 over each entry's phrasings taken together: words spread over several ways
        of asking (the aspect one asks about) count even when no single phrasing has them all."""
        entry_tokens: list[Counter[str]] = [Counter() for _ in self.entry_ids]
        for i, tokens in enumerate(token_lists):
            entry_tokens[self.entry_row[self.entry_of[i]]].update(tokens)
        e = max(len(entry_tokens), 1)
        lengths = [sum(c.values()) for c in entry_tokens]
        avg = sum(lengths) / e or 1.0
        edf: Counter[str] = Counter()
        for c in entry_tokens:
            edf.update(c.keys())
        self.entry_idf = {t: _idf(e, c) for t, c in edf.items()}
        self.entry_unknown_idf = _idf(e, 0)
        rows: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for row, counts in enumerate(entry_tokens):
            norm = ENTRY_K1 * (1 - ENTRY_B + ENTRY_B * lengths[row] / avg)
            for token, tf in counts.items():
                rows[token].append((row, tf * (ENTRY_K1 + 1) / (tf + norm)))
        self.entry_postings = {
            t: (np.array([r for r, _ in v], dtype=np.intp), np.array([w for _, w in v]))
            for t, v in rows.items()
        }

    def _entry_bm25(self, tokens: list[str]) -> np.ndarray:
        scores = np.zeros(len(self.entry_ids))
        if not tokens:
            return scores
        # Each word's best possible contribution: the share of it the entry achieves.
        self_score = 0.0
        for token in set(tokens):
            idf = self.entry_idf.get(token, self.entry_unknown_idf)
            self_score += idf * (ENTRY_K1 + 1)
            posting = self.entry_postings.get(token)
            if posting is not None:
                rows, weights = posting
                scores[rows] += idf * weights
        return np.minimum(1.0, scores / self_score) if self_score > 0 else scores

    def search(self, query: str, limit: int = 3) -> Ranking:
        """Entries best first: each scored by its best phrasings, plus a keyword bonus."""
        cleaned = self.processor.clean(query)
        tokens = self.processor.tokens(cleaned, cleaned=True)
        on_topic = any(t in self.domain_words for t in tokens)
        return Ranking(self._rank(cleaned, tokens, limit), on_topic)

    def _rank(self, cleaned: str, tokens: list[str], limit: int) -> list[Scored]:
        n = len(self.phrasings)
        # One slot more than there are phrasings: the padding of the entry table.
        score = np.zeros(n + 1)
        hit = np.zeros(n + 1, dtype=bool)
        self._add_bm25(tokens, score, hit)
        self._add_bigram_cosine(set(self.processor.bigrams(cleaned, cleaned=True)), score, hit)
        if not hit.any():
            return []
        table = score[self.entry_rows]
        has_hit = hit[self.entry_rows].any(axis=1)
        best_col = table.argmax(axis=1)
        # Per entry its best phrasing scores, best first: the best counts most, the others
        # that also match add to it.
        top = -np.sort(-table, axis=1)
        evidence = _weighted(top, EVIDENCE_WEIGHTS)
        support = _weighted(top, (1.0, *SUPPORT_WEIGHTS))
        for entry_id in {e for k, ids in self.keyword_entries.items() if k in cleaned for e in ids}:
            evidence[self.entry_row[entry_id]] += KEYWORD_BONUS
            support[self.entry_row[entry_id]] += KEYWORD_BONUS
        combined = (1 - ENTRY_WEIGHT) * support + ENTRY_WEIGHT * self._entry_bm25(tokens)
        rows = np.flatnonzero(has_hit)
        # Stable, so equal scores keep catalogue order whatever the machine.
        rows = rows[np.argsort(-combined[rows], kind="stable")[:limit]]
        return [
            Scored(
                self.entry_ids[row],
                min(1.0, float(combined[row])),
                min(1.0, float(evidence[row])),
                self.phrasings[self.entry_rows[row, best_col[row]]].text,
            )
            for row in rows
        ]

    def _add_bm25(self, tokens: list[str], score: np.ndarray, hit: np.ndarray) -> None:
        """BM25 as a share of the query's self-score, and the share of each phrasing covered."""
        if not tokens:
            return
        query_tf = Counter(tokens)
        norm = K1 * (1 - B + B * len(tokens) / self.avg_len)
        self_score = 0.0
        n = len(self.phrasings)
        lexical = np.zeros(n)
        covered = np.zeros(n)
        for token, tf in query_tf.items():
            idf = self.idf.get(token, self.unknown_idf)
            self_score += idf * tf * (K1 + 1) / (tf + norm)
            posting = self.postings.get(token)
            if posting is not None:
                docs, weights = posting
                lexical[docs] += idf * weights
                covered[docs] += idf
        if self_score <= 0:
            return
        matched = covered > 0
        hit[:n] |= matched
        score[:n] += BM25_WEIGHT * np.minimum(1.0, lexical / self_score)
        score[:n] += COVERAGE_WEIGHT * covered / self.doc_weight

    def _add_bigram_cosine(self, grams: set[str], score: np.ndarray, hit: np.ndarray) -> None:
        if not grams:
            return
        weights = {g: self.gidf.get(g, self.unknown_idf) for g in grams}
        query_norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        n = len(self.phrasings)
        dots = np.zeros(n)
        for g, w in weights.items():
            docs = self.gram_postings.get(g)
            if docs is not None:
                dots[docs] += w * w
        hit[:n] |= dots > 0
        score[:n] += BIGRAM_WEIGHT * dots / (query_norm * self.gram_norm)


def _domain_words(processor: TextProcessor, keywords: dict[str, list[str]]) -> frozenset[str]:
    lexicon = processor.lexicon
    words: set[str] = set(lexicon.synonyms.values())
    for phrase in [*lexicon.terms, *(k for ks in keywords.values() for k in ks)]:
        words.update(processor.tokens(str(phrase)))
    return frozenset(words)


def _weighted(top: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Weighted mean of each row's first scores (rows sorted best first)."""
    w = np.array(weights)
    return top[:, : len(w)] @ w / w.sum()


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
