"""rjieba splits words as jieba does, on everything the FAQ indexes and is tested on.

The matcher uses rjieba (jieba-rs) for speed; jieba is the reference. A dictionary or
library update that made them differ would change every score, so it must fail here. Their
HMM guesses at unknown words differ in rare spots (2 of about 5,700 texts: jieba joins
办得到 after a lexicon word, rjieba does not), which changes one token of one phrasing, not
every score: at most one text in a thousand may differ.
"""

from __future__ import annotations

import pytest

from core.content_files import read_yaml
from core.faq.catalog import text_processor
from core.faq.schema import load_entries
from core.faq.text import fast_tokenizer, jieba_tokenizer

EVAL_FILES = ("dev.yaml", "fresh.yaml")
MAX_DIFFER_PER = 1000  # texts per one allowed difference (HMM edge cases, above)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    from core.faq.schema import EVAL_DIR

    found = [t for e in load_entries() for t in (e.question, *e.similar)]
    for name in EVAL_FILES:
        found += [str(item["q"]) for item in read_yaml(EVAL_DIR / name)["items"]]
    processor = text_processor()
    return [processor.clean(t) for t in found]


def test_rjieba_and_jieba_split_every_phrasing_alike(texts: list[str], tmp_path):
    lexicon = text_processor().lexicon
    fast = fast_tokenizer(lexicon)
    assert fast is not None, "rjieba is a dependency"
    reference = jieba_tokenizer(lexicon, tmp_path)
    differ = [t for t in texts if fast.lcut(t) != reference.lcut(t)]
    assert len(differ) <= len(texts) // MAX_DIFFER_PER, differ
    long_words = {w for t in texts for w in reference.lcut(t) if len(w) >= 4}
    assert [w for w in long_words if fast.lcut_for_search(w) != reference.lcut_for_search(w)] == []
