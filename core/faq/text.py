"""Turning what people type into comparable tokens and character bigrams.

jieba (with our policy terms in its dictionary) splits the words; the lexicon folds
typos and synonyms ("失业金" = "失业保险金", "退伍" = "退役") onto one canonical form
and drops words that carry no meaning. Character bigrams of the folded text catch
what tokenising misses: unknown words and typos the lexicon does not list.

The words are split by rjieba, the binding of jieba-rs (jieba's algorithm, dictionary
and HMM, in Rust) when it is installed: the same words (tests/faq/test_tokenizer.py
compares both on every phrasing and test question) at about a twentieth of the cost,
which is most of what answering a policy question cost. Without it, jieba itself.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.content_files import read_yaml
from core.nlu.classifier import features

log = logging.getLogger(__name__)

LEXICON_FILE = Path(__file__).resolve().parents[2] / "content" / "policy_faq" / "lexicon.yaml"

BIGRAM = 2  # characters in a bigram
# Words this long (退役军人, 失业保险金) are also split into their parts, so that a question
# using a part alone still matches; a part of one character says too little and is dropped.
SPLIT_WORDS_FROM = 4
SHORTEST_PART = 2
# Texts whose analysis a thread keeps (TextProcessor.analysed): a message and its clauses.
RECENT_ANALYSES = 6


@dataclass
class Lexicon:
    terms: list[str] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    typos: dict[str, str] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        raw = read_yaml(path) or {}
        synonyms: dict[str, str] = {}
        for canonical, variants in (raw.get("synonyms") or {}).items():
            for variant in variants or []:
                synonyms[fold(str(variant))] = fold(str(canonical))
        return cls(
            terms=[str(t) for t in raw.get("terms") or []],
            synonyms=synonyms,
            typos={fold(str(k)): fold(str(v)) for k, v in (raw.get("typos") or {}).items()},
            stopwords=frozenset(fold(str(w)) for w in raw.get("stopwords") or []),
        )


def fold(text: str) -> str:
    """Compare texts as a reader would: full-width to half-width, lower case, letters and
    digits only ("+" kept: "1+12+X" is a name). Matching and the source-quote check alike."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "+")


class Tokenizer(Protocol):
    def lcut(self, text: str) -> list[str]: ...

    def lcut_for_search(self, text: str) -> list[str]: ...


class FastTokenizer:
    """rjieba behind jieba's method names."""

    def __init__(self) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()

    def add_word(self, word: str, freq: int) -> None:
        self._jieba.add_word(word, freq, None)

    def lcut(self, text: str) -> list[str]:
        return list(self._jieba.cut(text))

    def lcut_for_search(self, text: str) -> list[str]:
        return list(self._jieba.cut_for_search(text))


def our_terms(lexicon: Lexicon) -> list[str]:
    """The words added to the dictionary, with jieba's weight for them."""
    words = lexicon.terms + list(lexicon.synonyms) + list(set(lexicon.synonyms.values()))
    return [w for w in words if len(w) > 1]


TERM_FREQ = 20000


def jieba_tokenizer(lexicon: Lexicon, cache_dir: Path | None = None) -> Tokenizer:
    """jieba itself, initialised (about 1 s) with our terms."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    for term in our_terms(lexicon):
        tokenizer.add_word(term, freq=TERM_FREQ)
    return tokenizer


def fast_tokenizer(lexicon: Lexicon) -> Tokenizer | None:
    """rjieba with our terms, or None when it is not installed."""
    try:
        tokenizer = FastTokenizer()
    except ImportError:
        return None
    for term in our_terms(lexicon):
        tokenizer.add_word(term, TERM_FREQ)
    return tokenizer


_jieba_lock = threading.Lock()
_tokenizer: Tokenizer | None = None


def _shared_tokenizer(lexicon: Lexicon, cache_dir: Path | None = None) -> Tokenizer:
    """One tokenizer per process, made once (before fork under gunicorn)."""
    global _tokenizer
    with _jieba_lock:
        if _tokenizer is None:
            _tokenizer = fast_tokenizer(lexicon) or jieba_tokenizer(lexicon, cache_dir)
        return _tokenizer


class TextProcessor:
    """Tokens and bigrams for a question; the same processing for FAQ and query."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self.tokenizer = _shared_tokenizer(lexicon, cache_dir)
        self._typos = sorted(lexicon.typos.items(), key=lambda kv: -len(kv[0]))
        self._memo = threading.local()

    def clean(self, text: str) -> str:
        """Folded text with typos fixed: the basis for both tokens and bigrams."""
        return self.fix_typos(fold(text))

    def fix_typos(self, text: str) -> str:
        """The lexicon's typo fixes, on text as it is (punctuation and spaces kept, which
        slots such as "12.15" need)."""
        for wrong, right in self._typos:
            if wrong in text:
                text = text.replace(wrong, right)
        return text

    def tokens(self, text: str, cleaned: bool = False) -> list[str]:
        """Words in precise mode; a synonym counts as its canonical word only, and a long
        word also contributes its dictionary sub-words (失业保险金 → 失业, 保险, 失业保险)."""
        synonyms, stopwords = self.lexicon.synonyms, self.lexicon.stopwords
        out: list[str] = []
        for word in self.tokenizer.lcut(text if cleaned else self.clean(text)):
            if word in synonyms:
                out.append(synonyms[word])
                continue
            if not word or word in stopwords:
                continue
            out.append(word)
            if len(word) >= SPLIT_WORDS_FROM:
                for sub in self.tokenizer.lcut_for_search(word):
                    if sub != word and len(sub) >= SHORTEST_PART and sub not in stopwords:
                        out.append(synonyms.get(sub, sub))
        return out

    def analysed(self, cleaned: str) -> tuple[list[str], list[str]]:
        """The tokens and the model features (core.nlu.classifier) of a cleaned text.

        Answering one message needs them several times for the same text: the intent
        model reads the message and its clauses, then the FAQ's index and ranker read it
        again. The last few texts this thread analysed are kept (a handful, per thread:
        no lock, nothing shared, nothing that grows), so each is analysed once per
        message. Callers must not change the lists."""
        memo: dict[str, tuple[list[str], list[str]]] | None = getattr(self._memo, "recent", None)
        if memo is None:
            memo = self._memo.recent = {}
        found = memo.get(cleaned)
        if found is None:
            tokens = self.tokens(cleaned, cleaned=True)
            found = (tokens, features(cleaned, tokens))
            if len(memo) >= RECENT_ANALYSES:
                del memo[next(iter(memo))]
            memo[cleaned] = found
        return found

    def bigrams(self, text: str, cleaned: bool = False) -> list[str]:
        if not cleaned:
            text = self.clean(text)
        if len(text) < BIGRAM:
            return [text] if text else []
        return [text[i : i + BIGRAM] for i in range(len(text) - BIGRAM + 1)]
