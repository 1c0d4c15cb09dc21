"""`vetbot nlu check` refuses content that would make the figures lie or the model guess."""

from __future__ import annotations

from pathlib import Path

from core.nlu import check
from core.nlu.intents import INTENTS


def _enough(intent: str) -> list[tuple[str, str]]:
    return [(f"{intent} 的第{n}种说法", intent) for n in range(check.MIN_PHRASINGS)]


def _all_enough() -> list[tuple[str, str]]:
    return [p for intent in INTENTS for p in _enough(intent)]


def test_the_shipped_content_passes():
    count, problems = check.run_checks()
    assert problems == []
    assert count > 1000


def test_an_unknown_intent_and_a_phrasing_under_two_intents_are_refused():
    found = [
        *_all_enough(),
        ("找工作呀", "job.lookup"),
        ("有活吗", "job.search"),
        ("有活吗", "help"),
    ]
    problems = check.check_phrasings(found)
    assert any("unknown intent 'job.lookup'" in p for p in problems)
    assert any("'有活吗' is under job.search and help" in p for p in problems)


def test_too_few_phrasings_are_refused():
    problems = check.check_phrasings([p for p in _all_enough() if p[1] != "job.more"])
    assert any(p.startswith("job.more: 0 phrasings") for p in problems)


def test_a_phrasing_copying_the_blind_set_is_refused(tmp_path: Path):
    blind = tmp_path / "blind.yaml"
    blind.write_text("items:\n- {id: Q1, text: 我想在安亭找个保安的工作}\n", encoding="utf-8")
    copied = [("我想在安亭找个保安工作", "job.search")]
    assert check.check_blind(copied, (blind,)) == [
        "blind Q1 is too close to job.search: '我想在安亭找个保安工作'"
    ]
    assert check.check_blind([("有什么岗位", "job.search")], (blind,)) == []
