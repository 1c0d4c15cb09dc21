"""Settings, read from the environment in this one place.

Every other module receives a `Settings` object (the Flask app keeps it in
``app.config["SETTINGS"]``); nothing else reads ``os.environ``. Defaults are the
embedded ones: an SQLite file in the instance folder, an in-process Redis
stand-in, no WeChat credentials (outbound messages go to the outbox table).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path

# Dev values: fine on a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"
DEV_WECHAT_TOKEN = "vetbot-dev-token"
# 43 characters, as WeChat's admin page generates them. Public on purpose.
DEV_ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
# WeChat's EncodingAESKey is always 43 characters (a 32-byte key in base64 without its "=").
ENCODING_AES_KEY_LENGTH = 43
DEV_APP_ID = "wx-dev-appid"
MEMORY_REDIS_URL = "memory://"
DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when production settings are unsafe; the message names every problem."""


PRODUCTION = "production"
DEVELOPMENT = "development"
TESTING = "testing"
# How people write the environment's name; compared after strip() and casefold(), so
# "Production", "prod" and "production " all mean production and run its checks.
_ENV_NAMES = {
    "production": PRODUCTION,
    "prod": PRODUCTION,
    "development": DEVELOPMENT,
    "dev": DEVELOPMENT,
    "": DEVELOPMENT,
    "testing": TESTING,
    "test": TESTING,
}
# Shortest secrets production accepts. The Flask key signs sessions and phone links, so it
# is ours to make long (32+ random characters). WeChat allows a Token of at most 32
# characters; its AppSecret is always 32.
MIN_SECRET_KEY_LENGTH = 32
MIN_WECHAT_TOKEN_LENGTH = 16
MIN_WECHAT_APP_SECRET_LENGTH = 32


def normalise_env(value: str) -> str:
    """The canonical environment name; anything else stops the start, naming what is allowed.

    Compared exactly, `Production` or a trailing space used to mean "not production" and
    skipped every production check.
    """
    name = _ENV_NAMES.get(value.strip().casefold())
    if name is None:
        raise ConfigError(
            f"VETBOT_ENV must be production (or prod), development (or dev) or testing, "
            f"got {value!r}"
        )
    return name


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    redis_url: str = MEMORY_REDIS_URL
    redis_prefix: str = "vetbot:"
    secret_key: str = DEV_SECRET_KEY
    wechat_token: str = DEV_WECHAT_TOKEN
    wechat_app_id: str = DEV_APP_ID
    wechat_app_secret: str = ""
    wechat_encoding_aes_key: str = DEV_ENCODING_AES_KEY
    wechat_api_base_url: str = DEFAULT_API_BASE_URL
    wechat_api_timeout: float = 5.0
    # Template id for booking notices (confirmation, change, cancellation, reminders); empty: customer-service messages.
    wechat_template_booking: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    load_demo_data: bool = True
    max_body_bytes: int = 64 * 1024
    # How long a message's claim and reply are kept for WeChat's retries; never less than
    # `retry_memory_seconds` (see there), which the callback window sets.
    dedup_ttl_seconds: int = 60
    # A callback whose timestamp is further than this from our clock (either way) is refused:
    # a captured request cannot be replayed later (docs/security/gateway.md).
    wechat_callback_window_seconds: int = 300
    # Refuse plain (unencrypted) callbacks: only safe or compatible mode (encrypt_type=aes).
    wechat_require_safe_mode: bool = False
    retry_wait_seconds: float = 3.0
    # SQLite: how long a chat message waits for another writer's lock before giving up (a
    # 人工 request is then queued, core.people.handover_queue); WeChat gives up after 5 s.
    chat_db_busy_seconds: float = 2.5
    conversation_ttl_seconds: int = 1800
    handover_promise: str = "工作人员会在工作时间内尽快回复您。"
    log_level: str = "INFO"
    # How many reverse proxies stand in front (nginx: 1); their X-Forwarded-* are trusted.
    proxy_count: int = 0
    login_max_attempts: int = 5
    login_window_seconds: int = 900
    # Broadcasts: messages per second to WeChat, sending threads, ledger rows per batch.
    broadcast_rate: float = 20.0
    broadcast_workers: int = 8
    broadcast_batch: int = 200
    # Template ids for broadcasts to people who consented (empty: that channel is unused).
    wechat_template_broadcast: str = ""
    wechat_subscribe_template_broadcast: str = ""
    digest_time: str = "18:00"  # Asia/Shanghai, daily push of new matching postings
    # Understanding everyday Chinese (core.nlu): off leaves only the command words and the
    # FAQ, as before it existed (`vetbot nlu eval` measures both ways).
    nlu_enabled: bool = True
    # `vetbot serve` runs the scheduler's jobs in-process unless a separate one is used.
    serve_runs_scheduler: bool = True

    def __post_init__(self) -> None:
        # Here, not only in load_settings: settings made in code (tests, the CLI's
        # overrides) must not slip past the production checks either.
        object.__setattr__(self, "env", normalise_env(self.env))

    @property
    def is_production(self) -> bool:
        return self.env == PRODUCTION

    @property
    def simulator_enabled(self) -> bool:
        """The simulator signs callbacks on request, so it only runs on development machines."""
        return self.env in (DEVELOPMENT, TESTING)

    @property
    def retry_memory_seconds(self) -> int:
        """How long a callback's signature and a message's reply are remembered.

        A callback is accepted while our clock is within the window of its timestamp, so
        for up to twice the window after it is first seen (its timestamp may be a window
        ahead of us). Memory shorter than that would let a byte-identical replay run the
        handler again once the reply kept for retries had expired.
        """
        return max(self.dedup_ttl_seconds, 2 * self.wechat_callback_window_seconds + 10)

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url == MEMORY_REDIS_URL

    @property
    def outbound_enabled(self) -> bool:
        """True when real WeChat credentials exist; otherwise pushes go to the outbox."""
        return bool(self.wechat_app_secret) and self.wechat_app_id != DEV_APP_ID

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.instance_path / 'vetbot.sqlite3'}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def normalise_database_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(name: str, env: Mapping[str, str], default: float) -> float:
    """A number above zero (a rate, a thread count); anything else stops the start."""
    text = env.get(name) or str(default)
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ConfigError(f"{name} must be a number above zero, got {text!r}")
    return value


def _clock_time(name: str, value: str | None, default: str) -> str:
    """A time of day as "HH:MM"; a wrong one stops the start with what to write instead."""
    text = (value or default).strip()
    hour, _, minute = text.partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == len("MM")):
        raise ConfigError(f"{name} must be a time as HH:MM (e.g. 18:00), got {text!r}")
    try:
        time(int(hour), int(minute))  # 0-23 and 0-59
    except ValueError:
        raise ConfigError(f"{name} must be a time as HH:MM (e.g. 18:00), got {text!r}") from None
    return f"{int(hour):02d}:{minute}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    base = Settings()
    instance = Path(env.get("VETBOT_INSTANCE_PATH") or base.instance_path)
    env_name = normalise_env(env.get("VETBOT_ENV", base.env))
    return Settings(
        env=env_name,
        instance_path=instance,
        database_url=env.get("VETBOT_DATABASE_URL", ""),
        redis_url=env.get("VETBOT_REDIS_URL") or MEMORY_REDIS_URL,
        redis_prefix=env.get("VETBOT_REDIS_PREFIX", base.redis_prefix),
        secret_key=env.get("VETBOT_SECRET_KEY", base.secret_key),
        wechat_token=env.get("WECHAT_TOKEN", base.wechat_token),
        wechat_app_id=env.get("WECHAT_APP_ID", base.wechat_app_id),
        wechat_app_secret=env.get("WECHAT_APP_SECRET", base.wechat_app_secret),
        wechat_encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", base.wechat_encoding_aes_key),
        wechat_api_base_url=env.get("WECHAT_API_BASE_URL", base.wechat_api_base_url),
        wechat_api_timeout=float(env.get("WECHAT_API_TIMEOUT", base.wechat_api_timeout)),
        wechat_template_booking=env.get("WECHAT_TEMPLATE_BOOKING", ""),
        public_base_url=env.get("VETBOT_PUBLIC_BASE_URL", base.public_base_url).rstrip("/"),
        handover_promise=env.get("VETBOT_HANDOVER_PROMISE", base.handover_promise),
        proxy_count=int(env.get("VETBOT_PROXY_COUNT", "0") or 0),
        log_level=env.get("VETBOT_LOG_LEVEL", base.log_level).upper(),
        load_demo_data=_flag(env.get("VETBOT_DEMO_DATA"), default=env_name != PRODUCTION),
        broadcast_rate=_positive("VETBOT_BROADCAST_RATE", env, base.broadcast_rate),
        broadcast_workers=int(_positive("VETBOT_BROADCAST_WORKERS", env, base.broadcast_workers)),
        wechat_template_broadcast=env.get("WECHAT_TEMPLATE_BROADCAST", ""),
        wechat_subscribe_template_broadcast=env.get("WECHAT_SUBSCRIBE_TEMPLATE_BROADCAST", ""),
        digest_time=_clock_time(
            "VETBOT_DIGEST_TIME", env.get("VETBOT_DIGEST_TIME"), base.digest_time
        ),
        serve_runs_scheduler=_flag(env.get("VETBOT_SERVE_SCHEDULER"), default=True),
        nlu_enabled=_flag(env.get("VETBOT_NLU"), default=True),
        wechat_callback_window_seconds=int(
            _positive("WECHAT_CALLBACK_WINDOW_SECONDS", env, base.wechat_callback_window_seconds)
        ),
        wechat_require_safe_mode=_flag(env.get("WECHAT_REQUIRE_SAFE_MODE"), default=False),
    )


def production_problems(settings: Settings) -> list[str]:
    """Every reason the settings are unsafe for production, in words an operator can act on."""
    problems: list[str] = []
    checks = {  # name: (value, its development default, shortest length accepted)
        "VETBOT_SECRET_KEY": (settings.secret_key, DEV_SECRET_KEY, MIN_SECRET_KEY_LENGTH),
        "WECHAT_TOKEN": (settings.wechat_token, DEV_WECHAT_TOKEN, MIN_WECHAT_TOKEN_LENGTH),
        "WECHAT_ENCODING_AES_KEY": (settings.wechat_encoding_aes_key, DEV_ENCODING_AES_KEY, 0),
        "WECHAT_APP_ID": (settings.wechat_app_id, DEV_APP_ID, 0),
        "WECHAT_APP_SECRET": (settings.wechat_app_secret, "", MIN_WECHAT_APP_SECRET_LENGTH),
    }
    for name, (value, dev_value, min_length) in checks.items():
        # Lengths only, never the value: this message goes to logs.
        if not value.strip():
            problems.append(f"{name} is missing")
        elif value == dev_value:
            problems.append(f"{name} is still the development default")
        elif len(value) < min_length:
            problems.append(f"{name} is too short ({len(value)} characters; at least {min_length})")
    if settings.load_demo_data:
        problems.append("VETBOT_DEMO_DATA is on (demo accounts have published passwords); unset it")
    if not settings.public_base_url.startswith("https://"):
        problems.append(
            "VETBOT_PUBLIC_BASE_URL must start with https:// (session cookies are Secure, "
            "TLS ends at the proxy)"
        )
    if not settings.database_url:
        problems.append("VETBOT_DATABASE_URL is missing (production needs PostgreSQL)")
    if settings.embedded_redis:
        problems.append("VETBOT_REDIS_URL is missing (production needs a shared Redis)")
    if len(settings.wechat_encoding_aes_key) != ENCODING_AES_KEY_LENGTH:
        problems.append("WECHAT_ENCODING_AES_KEY must be 43 characters")
    return problems


def check_production(settings: Settings) -> None:
    """Refuse to run production on development secrets."""
    if not settings.is_production:
        return
    problems = production_problems(settings)
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
