"""The test sets' labels are the majority of the label audit's votes (eval/audit/README.md).

A label changed by hand after the audit, or an audit vote edited to fit a label, fails here."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from core.faq.check import load_devset
from core.faq.schema import EVAL_DIR

AUDIT_FILE = EVAL_DIR / "audit" / "labels-2026-11-23.yaml"
OUT = "OUT"


def majority(votes: dict[str, str]) -> str:
    """Two of three, or the written label when there is no majority."""
    label, count = Counter(votes.values()).most_common(1)[0]
    return label if count >= 2 else votes["written"]


@pytest.fixture(scope="module")
def audit() -> dict[str, list[dict[str, str]]]:
    return yaml.safe_load(AUDIT_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["dev", "fresh"])
def test_every_label_is_the_majority_of_its_votes(audit, name):
    items = load_devset(EVAL_DIR / f"{name}.yaml")
    votes = audit[name]
    assert [v["q"] for v in votes] == [i.question for i in items]
    for item, vote in zip(items, votes, strict=True):
        ballot = {k: v for k, v in vote.items() if k in ("written", "second", "third")}
        assert (item.as_written().expect or OUT) == vote["written"], item.question
        assert (item.expect or OUT) == majority(ballot), item.question
        assert item.relabelled == (item.expect != item.as_written().expect), item.question


def test_majority_falls_back_to_the_written_label():
    assert majority({"written": "a", "second": "b", "third": "b"}) == "b"
    assert majority({"written": "a", "second": "b", "third": "c"}) == "a"
    assert majority({"written": "a", "second": "b"}) == "a"
