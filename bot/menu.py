"""The custom menu from bot/menu.json, checked against WeChat's limits and our routes.

WeChat allows 3 top-level buttons of at most 4 Chinese characters (16 bytes) and
5 sub-buttons each of at most 8 (60 bytes); a CLICK key no handler routes would
leave a veteran pressing a dead button, so that is an error here too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.router import Router, router

MENU_FILE = Path(__file__).with_name("menu.json")
MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024


class MenuError(ValueError):
    pass


def load_menu(
    path: Path = MENU_FILE, base_url: str = "", routes: Router = router
) -> dict[str, Any]:
    """The menu as WeChat's menu/create expects it; raises MenuError naming each problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MenuError(f"cannot read {path}: {exc}") from exc
    buttons = data.get("button")
    problems: list[str] = []
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"the menu needs 1 to {MAX_BUTTONS} top-level buttons")
    out = []
    for i, button in enumerate(buttons, start=1):
        out.append(
            _check_button(
                button, f"button {i}", MAX_TOP_NAME_BYTES, base_url, routes, problems, top=True
            )
        )
    if problems:
        raise MenuError("; ".join(problems))
    return {"button": out}


def _check_button(
    button: Any,
    where: str,
    max_name: int,
    base_url: str,
    routes: Router,
    problems: list[str],
    *,
    top: bool,
) -> dict[str, Any]:
    if not isinstance(button, dict):
        problems.append(f"{where} is not an object")
        return {}
    name = str(button.get("name", ""))
    if not name or len(name.encode("utf-8")) > max_name:
        problems.append(f"{where} name {name!r} must be 1 to {max_name} bytes")
    subs = button.get("sub_button")
    if subs is not None:
        if not top:
            problems.append(f"{where}: sub-buttons cannot nest")
            return {}
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            problems.append(f"{where} needs 1 to {MAX_SUB_BUTTONS} sub-buttons")
            return {}
        children = [
            _check_button(
                s, f"{where}.{j}", MAX_SUB_NAME_BYTES, base_url, routes, problems, top=False
            )
            for j, s in enumerate(subs, start=1)
        ]
        return {"name": name, "sub_button": children}
    kind = button.get("type")
    if kind == "click":
        key = str(button.get("key", ""))
        if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES:
            problems.append(f"{where} key must be 1 to {MAX_KEY_BYTES} bytes")
        elif key not in routes.known_menu_keys():
            problems.append(f"{where} key {key!r} is not routed by any handler")
        return {"type": "click", "name": name, "key": key}
    if kind == "view":
        url = str(button.get("url", ""))
        if url.startswith("/"):
            url = base_url.rstrip("/") + url
        if not url.startswith(("http://", "https://")) or len(url.encode("utf-8")) > MAX_URL_BYTES:
            problems.append(
                f"{where} url must be an absolute http(s) URL of at most {MAX_URL_BYTES} bytes"
            )
        return {"type": "view", "name": name, "url": url}
    problems.append(f"{where} type must be click or view (or have sub_button)")
    return {}
