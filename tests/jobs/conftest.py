"""Job and event fixtures: a fixed "now" and a posting as a form or CSV row gives it."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.timeutil import LOCAL_TZ

# Wednesday 2026-12-02 08:00 in Shanghai.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)


def posting_row(**changes: str) -> dict[str, str]:
    row = {
        "ref": "",
        "employer": "测试机械公司",
        "title": "设备维修工",
        "town": "安亭镇",
        "industry": "制造业",
        "pay_min": "6000",
        "pay_max": "8000",
        "requirements": "有维修经验",
        "how_to_apply": "到服务站登记",
        "veterans_priority": "1",
        "valid_until": "2026-12-31",
    }
    row.update(changes)
    return row


def event_row(**changes: str) -> dict[str, str]:
    row = {
        "kind": "job_fair",
        "title": "测试招聘会",
        "day": "2026-12-10",
        "starts": "09:30",
        "ends": "12:00",
        "station_id": "",
        "address": "嘉定区测试路 1 号",
        "town": "安亭镇",
        "organiser": "测试主办单位",
        "description": "",
        "capacity": "50",
    }
    row.update(changes)
    return row


@pytest.fixture
def now() -> datetime:
    return NOW
