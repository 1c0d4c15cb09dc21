"""Login throttling (issue 16, item 4): counted before the password is checked, atomically,
per name and per address, and still counted when Redis is down.

The red-team pass found 40 of 40 concurrent guesses checked against a limit of 5, no limit
at all with Redis down, and a successful login clearing the address's count, so one valid
account could spray guesses at every other name.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.staff import accounts, throttle
from core.staff.throttle import LoginThrottled
from tests.factories import PASSWORD
from tests.web.test_console import THROTTLED, WRONG_LOGIN, csrf_token, login

DEAD_REDIS = "redis://127.0.0.1:1/0"
UNAVAILABLE = "登录服务暂时不可用"
GUESSERS = 40


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password actually checked (a real check takes time: scrypt, ~0.1 s), recorded.

    The pause widens the window between reading a count and checking the password, which
    is where concurrent guesses used to slip past a read-then-increment throttle."""
    checked: list[str] = []
    real = accounts.check_password_hash
    lock = threading.Lock()

    def counting(pwhash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        time.sleep(0.05)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def _post_login(client: FlaskClient, token: str, username: str, password: str):
    data = {"csrf_token": token, "username": username, "password": password}
    return client.post("/console/login", data=data)


def _concurrently(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job at once (released together by a barrier), results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> object:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_forty_concurrent_guesses_check_at_most_the_limit(
    app: Flask, factories, settings, password_checks
):
    factories.staff("target")
    clients = [app.test_client() for _ in range(GUESSERS)]
    tokens = [csrf_token(c) for c in clients]
    jobs: list[Callable[[], object]] = [
        lambda c=c, t=t, n=n: _post_login(c, t, "target", f"guess-{n:02d}")
        for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    responses = _concurrently(jobs)
    statuses = sorted(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert len(password_checks) <= settings.login_max_attempts
    assert statuses.count(429) >= GUESSERS - settings.login_max_attempts
    assert set(statuses) <= {200, 429}


def test_the_counter_itself_lets_through_at_most_the_limit_at_once(app: Flask, settings):
    def attempt() -> bool:
        try:
            throttle.begin(settings, "someone", "203.0.113.9")
        except LoginThrottled:
            return False
        return True

    allowed = _concurrently([attempt] * GUESSERS)
    assert sum(1 for ok in allowed if ok) == settings.login_max_attempts


def test_one_valid_account_cannot_spray_guesses_at_other_names(
    client: FlaskClient, factories, settings, password_checks
):
    factories.staff("mine")
    victims = [factories.staff(f"victim{n}").username for n in range(10)]
    answers = []
    for victim in victims:
        # A success between guesses used to clear the address's count.
        if login(client, "mine").status_code == 302:
            client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
        answers.append(login(client, victim, "spray-guess").get_data(as_text=True))
    guesses_checked = [p for p in password_checks if p == "spray-guess"]
    assert len(guesses_checked) <= settings.login_max_attempts
    assert sum(WRONG_LOGIN in a for a in answers) <= settings.login_max_attempts
    assert THROTTLED in answers[-1]


def test_a_success_clears_that_name_only_and_colleagues_share_an_address(
    client: FlaskClient, factories, settings
):
    factories.staff("alice")
    for _ in range(settings.login_max_attempts - 1):
        login(client, "alice", "typo-typo")
    assert login(client, "alice").status_code == 302  # her own count starts again
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    # An office behind one address: many good logins never lock it ...
    for n in range(settings.login_max_attempts * 2):
        factories.staff(f"colleague{n}")
        assert login(client, f"colleague{n}").status_code == 302
        client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    # ... but alice's earlier failures still count for the address: one more is the limit.
    assert WRONG_LOGIN in login(client, "bob", "typo-typo").get_data(as_text=True)
    response = login(client, "carol", "typo-typo")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_with_redis_down_logins_are_still_limited(make_app, factories, settings, password_checks):
    client = make_app(redis_url=DEAD_REDIS).test_client()
    factories.staff("wang")
    for _ in range(settings.login_max_attempts + 3):
        login(client, "wang", "guess-guess")
    assert len(password_checks) <= settings.login_max_attempts
    response = login(client, "wang", PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_with_redis_down_concurrent_guesses_are_counted_too(
    make_app, factories, settings, password_checks
):
    app = make_app(redis_url=DEAD_REDIS)
    factories.staff("target")
    clients = [app.test_client() for _ in range(GUESSERS)]
    tokens = [csrf_token(c) for c in clients]
    jobs: list[Callable[[], object]] = [
        lambda c=c, t=t: _post_login(c, t, "target", "guess")
        for c, t in zip(clients, tokens, strict=True)
    ]
    _concurrently(jobs)
    assert len(password_checks) <= settings.login_max_attempts


def test_with_redis_down_and_the_fallback_full_login_is_refused_in_chinese(
    make_app, factories, monkeypatch, password_checks
):
    """The in-process fallback holds a bounded number of counts; once full it fails closed."""
    monkeypatch.setattr(throttle, "LOCAL_MAX_KEYS", 3)
    throttle.local_counts.clear()  # earlier tests' counts, still inside their window
    client = make_app(redis_url=DEAD_REDIS).test_client()
    factories.staff("user1")
    assert WRONG_LOGIN in login(client, "user1", "wrong-one").get_data(as_text=True)  # 2 keys
    assert WRONG_LOGIN in login(client, "user2", "wrong-one").get_data(as_text=True)  # 3 keys
    checks_before = len(password_checks)
    response = login(client, "user3", "wrong-one")
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert len(password_checks) == checks_before


def test_a_throttled_attempt_does_not_extend_the_window(app: Flask, settings, redis_cache):
    for _ in range(settings.login_max_attempts + 5):
        with contextlib.suppress(LoginThrottled):
            throttle.begin(settings, "late", "198.51.100.7")
    ttl = redis_cache.call("ttl", redis_cache.key("login_fail", "user", "late"))
    assert 0 < ttl <= settings.login_window_seconds
