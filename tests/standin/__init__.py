"""Stand-ins for outside services, and their pytest fixtures.

Register the fixture for the whole suite from ``tests/conftest.py``::

    from tests.standin import wechat_standin  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standin.wechat_server import Call, Hang, HTTPError, WeChatStandIn

__all__ = ["Call", "HTTPError", "Hang", "WeChatStandIn", "wechat_standin"]


@pytest.fixture
def wechat_standin() -> Iterator[WeChatStandIn]:
    """A fresh WeChat API stand-in per test; point ``wechat_api_base_url`` at ``.base_url``."""
    with WeChatStandIn() as standin:
        yield standin
