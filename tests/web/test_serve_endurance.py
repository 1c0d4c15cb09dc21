"""`vetbot serve`, as the README starts it, keeps answering however many people write.

Every message arrives on a fresh connection, as WeChat's servers send them: the development
server starts a thread per request, and nothing a request takes (Redis connections, database
connections, threads) may be left behind. It used to stop answering after about 97.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import xmltodict

from bot import simulate
from bot.pipeline import APOLOGY
from core.config import load_settings

MESSAGES = ("帮助", "公益性岗位补贴能拿几年", "找工作", "退役后失业能领失业金吗", "招聘会")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
    """One request on its own connection, closed afterwards."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Connection": "close", "Content-Type": "text/xml"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture
def served(cli_env: None, tmp_path: Path) -> Iterator[int]:
    """A `vetbot serve` process on a free port, on the test database."""
    port = _free_port()
    env = {**os.environ, "VETBOT_LOG_LEVEL": "WARNING"}
    vetbot = shutil.which("vetbot", path=str(Path(sys.executable).parent)) or "vetbot"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([vetbot, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "vetbot serve did not start"
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_a_thousand_messages_on_fresh_connections(served: int):
    settings = load_settings()
    failures = []
    for n in range(1000):
        text = MESSAGES[n % len(MESSAGES)]
        body = simulate.text_xml(f"o-endurance-{n % 37}", text).encode("utf-8")
        query = urlencode(simulate.signed_args(settings))
        status, reply = _request(served, "POST", f"/wechat?{query}", body)
        content = xmltodict.parse(reply)["xml"]["Content"] if status == 200 else reply
        if status != 200 or content == APOLOGY:
            failures.append((n, status, content[:80]))
    assert failures == []

    status, health = _request(served, "GET", "/healthz")
    assert status == 200
    assert json.loads(health)["redis"] == "ok"
    status, page = _request(served, "GET", "/console/login")
    assert status == 200
    assert "登录" in page
