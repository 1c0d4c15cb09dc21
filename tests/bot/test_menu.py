"""The menu file is checked against WeChat's limits and the bot's routes."""

from __future__ import annotations

import json

import pytest

from bot.menu import MenuError, load_menu


def write(tmp_path, menu) -> object:
    path = tmp_path / "menu.json"
    path.write_text(json.dumps(menu, ensure_ascii=False), encoding="utf-8")
    return path


def test_repo_menu_is_valid(app):
    menu = load_menu(base_url="https://example.org")
    assert 1 <= len(menu["button"]) <= 3


@pytest.mark.parametrize(
    ("menu", "says"),
    [
        (
            {"button": [{"type": "click", "name": f"b{i}", "key": "HELP"} for i in range(4)]},
            "1 to 3",
        ),
        (
            {
                "button": [
                    {
                        "name": "多",
                        "sub_button": [{"type": "click", "name": "x", "key": "HELP"}] * 6,
                    }
                ]
            },
            "sub-buttons",
        ),
        ({"button": [{"type": "click", "name": "名字太长了超过四个字", "key": "HELP"}]}, "bytes"),
        ({"button": [{"type": "click", "name": "帮助", "key": "NO_SUCH_KEY"}]}, "not routed"),
        ({"button": [{"type": "view", "name": "链接", "url": "ftp://x"}]}, "absolute"),
        ({"button": [{"type": "scancode", "name": "扫码"}]}, "type must be"),
    ],
)
def test_invalid_menus_are_refused(app, tmp_path, menu, says):
    with pytest.raises(MenuError, match=says):
        load_menu(write(tmp_path, menu))


def test_relative_view_urls_get_the_public_base(app, tmp_path):
    menu = load_menu(
        write(tmp_path, {"button": [{"type": "view", "name": "页面", "url": "/m/x"}]}),
        base_url="https://a.b",
    )
    assert menu["button"][0]["url"] == "https://a.b/m/x"
