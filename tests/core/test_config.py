"""Settings come from the environment; production refuses development secrets."""

from __future__ import annotations

import pytest

from core.config import ConfigError, check_production, load_settings

GOOD_PRODUCTION = {
    "VETBOT_ENV": "production",
    "VETBOT_DATABASE_URL": "postgresql://vetbot@db/vetbot",
    "VETBOT_REDIS_URL": "redis://cache:6379/0",
    "VETBOT_SECRET_KEY": "s" * 40,
    "WECHAT_TOKEN": "prod-token",
    "WECHAT_APP_ID": "wx1234567890",
    "WECHAT_APP_SECRET": "appsecret",
    "WECHAT_ENCODING_AES_KEY": "Z" * 43,
}


def test_embedded_defaults():
    settings = load_settings({})
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert settings.embedded_redis
    assert not settings.outbound_enabled
    assert settings.load_demo_data


def test_postgres_urls_get_the_psycopg_driver():
    settings = load_settings({"VETBOT_DATABASE_URL": "postgres://u@h/db"})
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"


def test_good_production_settings_pass():
    settings = load_settings(GOOD_PRODUCTION)
    check_production(settings)
    assert settings.outbound_enabled
    assert not settings.load_demo_data


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("VETBOT_SECRET_KEY", None, "VETBOT_SECRET_KEY is still the development default"),
        ("WECHAT_APP_SECRET", None, "WECHAT_APP_SECRET is missing"),
        ("WECHAT_TOKEN", "vetbot-dev-token", "WECHAT_TOKEN is still the development default"),
        ("WECHAT_ENCODING_AES_KEY", "short", "WECHAT_ENCODING_AES_KEY must be 43 characters"),
        ("VETBOT_REDIS_URL", None, "VETBOT_REDIS_URL is missing"),
    ],
)
def test_production_refuses_and_names_the_problem(name, value, says):
    env = dict(GOOD_PRODUCTION)
    if value is None:
        env.pop(name)
    else:
        env[name] = value
    with pytest.raises(ConfigError, match=says):
        check_production(load_settings(env))


def test_create_app_refuses_unsafe_production(base_settings):
    from web import create_app

    with pytest.raises(ConfigError):
        create_app(base_settings.with_overrides(env="production"))
