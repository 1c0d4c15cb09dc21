"""WCAG contrast in the page itself: `low_contrast(page)` lists every visible text element
whose colour is below 4.5:1 (3:1 for large text) against its effective background.

The computation is contrast.js, run in the browser, so it sees what a reader sees: the
computed colours after the cascade, translucent backgrounds blended over what is
behind them, opacity included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCRIPT = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")


def low_contrast(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(SCRIPT)
    return found


def assert_readable(page: Any) -> None:
    """Fail with the offending texts, their colours and ratios, and the page's address."""
    found = low_contrast(page)
    assert not found, f"{page.url}: text below the WCAG AA contrast minimum: {found[:10]}"
