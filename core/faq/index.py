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
from typing import cast

import numpy as np
from numpy.typing import NDArray

from core.faq.text import BIGRAM, TextProcessor
from core.nlu.classifier import train

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
MIN_RANKER_ENTRIES = 2
# Features in fewer phrasings than this are not learned by the ranker (see classifier.train):
# every feature is kept (dropping the rare ones cost right answers on the fresh set).
RANKER_MIN_DF = 1
# The evidence that a question is on topic: its best phrasings, the very best counting most.
EVIDENCE_WEIGHTS: tuple[float, ...] = (1.0, 0.7, 0.35)
# As weighted means over an entry's best phrasing scores, best first.
EVIDENCE_VECTOR = np.array(EVIDENCE_WEIGHTS) / sum(EVIDENCE_WEIGHTS)
SUPPORT_VECTOR = np.array((1.0, *SUPPORT_WEIGHTS)) / sum((1.0, *SUPPORT_WEIGHTS))


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
    learned: float = 0.0  # the entry's decision value in the learned ranker (see FaqIndex)


@dataclass(frozen=True)
class Ranking:
    entries: list[Scored]
    # Whether the question names anything of the FAQ's domain (a policy term, a keyword,
    # a synonym's canonical word). Nearly every real policy question does; "附近有什么好吃的"
    # does not, however well its "附近" matches a phrasing about finding a station.
    on_topic: bool


@dataclass(frozen=True)
class Shortlist:
    """The best entries for a question, best first, field by field (plain lists: the
    matcher re-scores a handful of them, and objects per entry cost more than the maths)."""

    entry_ids: list[str]
    scores: list[float]
    evidence: list[float]
    learned: list[float]  # the entries' decision values in the learned ranker
    phrasings: list[str]  # each entry's best-matching phrasing
    on_topic: bool  # see Ranking


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
                if len(cleaned) >= BIGRAM:  # found by its first bigram (below)
                    self.keyword_entries[cleaned].add(entry_id)
        # Keywords by their first two characters: the query's bigrams find the few keywords
        # that may start there, instead of testing every keyword against the query.
        self.keywords_by_head: dict[str, list[str]] = defaultdict(list)
        for keyword in self.keyword_entries:
            self.keywords_by_head[keyword[:2]].append(keyword)
        self.entry_of = [p.entry_id for p in self.phrasings]
        self.domain_words = _domain_words(processor, keywords or {})
        self._build()
        # A linear model over the same phrasings (character n-grams and words, as the
        # understanding step's): it learns which words tell neighbouring entries apart,
        # where BM25 and bigrams only measure overlap. Its decision value re-ranks the
        # candidates (core.faq.matcher); the tiers stay on the phrasing evidence.
        # Nothing to learn from fewer than two entries (an empty FAQ, as in some tests).
        learnable = len({p.entry_id for p in self.phrasings}) >= MIN_RANKER_ENTRIES
        examples = [(p.text, p.entry_id) for p in self.phrasings]
        self.ranker = train(examples, self._features, min_df=RANKER_MIN_DF) if learnable else None
        self.ranker_column = (
            {entry_id: n for n, entry_id in enumerate(self.ranker.intents)} if self.ranker else {}
        )
        # Per entry row (entry_ids' order) its column in the ranker.
        self.ranker_rows = np.array(
            [self.ranker_column.get(entry_id, 0) for entry_id in self.entry_ids], dtype=np.intp
        )

    def _features(self, text: str) -> list[str]:
        return self.processor.analysed(self.processor.clean(text))[1]

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
        # Per phrasing, with the weights folded in and a last slot for the entry table's
        # padding (which must always score 0): a query's scores are then a few whole-array
        # operations.
        self.coverage_scale = np.append(COVERAGE_WEIGHT / self.doc_weight, 0.0)
        self.bigram_scale = np.append(BIGRAM_WEIGHT / self.gram_norm, 0.0)
        # Each posting's share of the coverage and of the bigram cosine, weights and scale
        # folded in at build time: a query then only gathers and sums them.
        self.coverage_postings = {
            t: self.idf[t] * self.coverage_scale[docs] for t, (docs, _w) in self.postings.items()
        }
        self.gram_weights = {
            g: self.gidf[g] ** 2 * self.bigram_scale[docs] for g, docs in self.gram_postings.items()
        }
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
        size = len(self.entry_ids)
        if not tokens:
            return np.zeros(size)
        # Each word's best possible contribution: the share of it the entry achieves.
        self_score = 0.0
        row_parts = []
        weight_parts = []
        for token in set(tokens):
            idf = self.entry_idf.get(token, self.entry_unknown_idf)
            self_score += idf * (ENTRY_K1 + 1)
            posting = self.entry_postings.get(token)
            if posting is not None:
                row_parts.append(posting[0])
                weight_parts.append(idf * posting[1])
        if not row_parts:
            return np.zeros(size)
        scores = _sums(np.concatenate(row_parts), np.concatenate(weight_parts), size)
        scores /= self_score
        return np.minimum(scores, 1.0, out=scores)

    def search(self, query: str, limit: int = 3) -> Ranking:
        """Entries best first: each scored by its best phrasings, plus a keyword bonus."""
        found = self.shortlist(query, limit)
        return Ranking(
            [
                Scored(*fields)
                for fields in zip(
                    found.entry_ids,
                    found.scores,
                    found.evidence,
                    found.phrasings,
                    found.learned,
                    strict=True,
                )
            ],
            found.on_topic,
        )

    def names_domain(self, query: str) -> bool:
        """Whether the question names anything of the FAQ's domain (`Ranking.on_topic`),
        without ranking it."""
        tokens, _feats = self.processor.analysed(self.processor.clean(query))
        return self._on_topic(tokens)

    def _on_topic(self, tokens: list[str]) -> bool:
        return any(t in self.domain_words for t in tokens)

    def shortlist(self, query: str, limit: int) -> Shortlist:
        """The `limit` best entries (as `search`), without an object per entry."""
        cleaned = self.processor.clean(query)
        tokens, feats = self.processor.analysed(cleaned)
        on_topic = self._on_topic(tokens)
        ranked = self._rank(cleaned, tokens, limit)
        if ranked is None:
            return Shortlist([], [], [], [], [], on_topic)
        rows, combined, evidence, best = ranked
        if self.ranker is not None:
            learned = self.ranker.scores_of(feats, self.ranker_rows[rows]).tolist()
        else:
            learned = [0.0] * len(rows)
        return Shortlist(
            [self.entry_ids[row] for row in rows.tolist()],
            np.minimum(combined, 1.0).tolist(),
            np.minimum(evidence, 1.0).tolist(),
            learned,
            [self.phrasings[i].text for i in best.tolist()],
            on_topic,
        )

    def _rank(
        self, cleaned: str, tokens: list[str], limit: int
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]] | None:
        """The best `limit` entry rows, best first, with their scores, their evidence and
        their best phrasing; None when nothing matches at all."""
        # One slot more than there are phrasings: the padding of the entry table. Every
        # part of a phrasing's score is positive when it shares a word or a bigram with
        # the query and 0 otherwise, so "matched at all" is "scored above 0".
        score = self._bm25_and_coverage(tokens)
        bigrams = self._bigram_cosine(set(self.processor.bigrams(cleaned, cleaned=True)))
        if bigrams is not None:
            score = bigrams if score is None else score + bigrams
        if score is None:
            return None
        table = score[self.entry_rows]
        # Per entry its best phrasing scores, best first: the best counts most, the others
        # that also match add to it.
        top = np.sort(table, axis=1)[:, ::-1]
        if not top[:, 0].any():
            return None
        evidence = top[:, : len(EVIDENCE_VECTOR)] @ EVIDENCE_VECTOR
        support = top[:, : len(SUPPORT_VECTOR)] @ SUPPORT_VECTOR
        for entry_id in self._keyword_hits(cleaned):
            evidence[self.entry_row[entry_id]] += KEYWORD_BONUS
            support[self.entry_row[entry_id]] += KEYWORD_BONUS
        combined = (1 - ENTRY_WEIGHT) * support + ENTRY_WEIGHT * self._entry_bm25(tokens)
        rows = np.flatnonzero(top[:, 0] > 0)
        # Stable, so equal scores keep catalogue order whatever the machine.
        rows = rows[np.argsort(-combined[rows], kind="stable")[:limit]]
        best = self.entry_rows[rows, table[rows].argmax(axis=1)]
        return rows, combined[rows], evidence[rows], best

    def _keyword_hits(self, cleaned: str) -> set[str]:
        """Entries one of whose keywords occurs in the query."""
        hits: set[str] = set()
        heads = self.keywords_by_head
        for start in range(len(cleaned) - 1):
            for keyword in heads.get(cleaned[start : start + 2], ()):
                if cleaned.startswith(keyword, start):
                    hits.update(self.keyword_entries[keyword])
        return hits

    def _bm25_and_coverage(self, tokens: list[str]) -> np.ndarray | None:
        """Per phrasing: BM25 as a share of the query's self-score, plus the share of the
        phrasing the query covers; None when no word of the query is in the index."""
        if not tokens:
            return None
        query_tf = Counter(tokens)
        norm = K1 * (1 - B + B * len(tokens) / self.avg_len)
        self_score = 0.0
        doc_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        coverage_parts: list[np.ndarray] = []
        for token, tf in query_tf.items():
            idf = self.idf.get(token, self.unknown_idf)
            self_score += idf * tf * (K1 + 1) / (tf + norm)
            posting = self.postings.get(token)
            if posting is not None:
                doc_parts.append(posting[0])
                weight_parts.append(idf * posting[1])
                coverage_parts.append(self.coverage_postings[token])
        if self_score <= 0 or not doc_parts:
            return None
        # One pass over all the query's postings at once instead of one per word.
        size = len(self.phrasings) + 1
        docs = np.concatenate(doc_parts)
        lexical = _sums(docs, np.concatenate(weight_parts), size)
        lexical /= self_score
        np.minimum(lexical, 1.0, out=lexical)
        lexical *= BM25_WEIGHT
        lexical += _sums(docs, np.concatenate(coverage_parts), size)
        return lexical

    def _bigram_cosine(self, grams: set[str]) -> np.ndarray | None:
        """Per phrasing: the idf-weighted cosine of character bigrams; None when none match."""
        if not grams:
            return None
        doc_parts = []
        weight_parts = []
        query_square = 0.0
        for g in grams:
            w = self.gidf.get(g, self.unknown_idf)
            query_square += w * w
            docs = self.gram_postings.get(g)
            if docs is not None:
                doc_parts.append(docs)
                weight_parts.append(self.gram_weights[g])
        if not doc_parts:
            return None
        dots = _sums(
            np.concatenate(doc_parts), np.concatenate(weight_parts), len(self.phrasings) + 1
        )
        dots /= math.sqrt(query_square) or 1.0
        return dots


def _sums(indices: np.ndarray, weights: np.ndarray, size: int) -> NDArray[np.float64]:
    """Per slot the sum of the weights given to it (a weighted `bincount`, always float)."""
    return cast(NDArray[np.float64], np.bincount(indices, weights, minlength=size))


def _domain_words(processor: TextProcessor, keywords: dict[str, list[str]]) -> frozenset[str]:
    lexicon = processor.lexicon
    words: set[str] = set(lexicon.synonyms.values())
    for phrase in [*lexicon.terms, *(k for ks in keywords.values() for k in ks)]:
        words.update(processor.tokens(str(phrase)))
    return frozenset(words)


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
