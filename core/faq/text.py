"""Turning what people type into comparable tokens and character bigrams.

jieba (with our policy terms in its dictionary) splits the words; the lexicon folds
typos and synonyms ("失业金" = "失业保险金", "退伍" = "退役") onto one canonical form
and drops words that carry no meaning. Character bigrams of the folded text catch
what tokenising misses: unknown words and typos the lexicon does not list.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from content.yaml_files import read_yaml

log = logging.getLogger(__name__)

LEXICON_FILE = Path(__file__).resolve().parents[2] / "content" / "policy_faq" / "lexicon.yaml"


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
    """Full-width to half-width, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "+")


_jieba_lock = threading.Lock()
_tokenizer = None


def _jieba(lexicon: Lexicon, cache_dir: Path | None = None):  # noqa: ANN202
    """One jieba Tokenizer per process, initialised once (about 1 s) with our terms."""
    global _tokenizer
    with _jieba_lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if cache_dir is not None:
                cache_dir.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache_dir)
            tokenizer.initialize()
            for term in (
                lexicon.terms + list(lexicon.synonyms) + list(set(lexicon.synonyms.values()))
            ):
                if len(term) > 1:
                    tokenizer.add_word(term, freq=20000)
            _tokenizer = tokenizer
        return _tokenizer


class TextProcessor:
    """Tokens and bigrams for a question; the same processing for FAQ and query."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self.tokenizer = _jieba(lexicon, cache_dir)
        self._typos = sorted(lexicon.typos.items(), key=lambda kv: -len(kv[0]))

    def clean(self, text: str) -> str:
        """Folded text with typos fixed: the basis for both tokens and bigrams."""
        text = fold(text)
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
            if len(word) >= 4:
                for sub in self.tokenizer.lcut_for_search(word):
                    if sub != word and len(sub) >= 2 and sub not in stopwords:
                        out.append(synonyms.get(sub, sub))
        return out

    def bigrams(self, text: str, cleaned: bool = False) -> list[str]:
        if not cleaned:
            text = self.clean(text)
        if len(text) < 2:
            return [text] if text else []
        return [text[i : i + 2] for i in range(len(text) - 1)]
