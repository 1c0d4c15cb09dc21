"""Settings come from the environment; production refuses development secrets."""

from __future__ import annotations

import pytest

from core.config import DEV_SECRET_KEY, ConfigError, check_production, load_settings

GOOD_PRODUCTION = {
    "VETBOT_ENV": "production",
    "VETBOT_DATABASE_URL": "postgresql://vetbot@db/vetbot",
    "VETBOT_REDIS_URL": "redis://cache:6379/0",
    "VETBOT_SECRET_KEY": "s" * 40,
    "WECHAT_TOKEN": "prod-token-0123456789abcdef",
    "WECHAT_APP_ID": "wx1234567890",
    "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "VETBOT_PUBLIC_BASE_URL": "https://bot.example.cn",
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


# --- VETBOT_ENV is read the way people write it (issue 16, item 5) -----------------------


@pytest.mark.parametrize("written", ["Production", "PRODUCTION", "prod", "Prod", "production "])
def test_any_spelling_of_production_runs_every_production_check(written):
    env = {**GOOD_PRODUCTION, "VETBOT_ENV": written, "VETBOT_SECRET_KEY": DEV_SECRET_KEY}
    settings = load_settings(env)
    assert settings.env == "production"
    assert settings.is_production
    assert not settings.load_demo_data
    with pytest.raises(ConfigError, match="VETBOT_SECRET_KEY is still the development default"):
        check_production(settings)


@pytest.mark.parametrize("written", [" production", "prod\n", "\tProd "])
def test_production_with_surrounding_space_sends_cookies_only_over_https(
    written, make_app, settings
):
    app = make_app(
        env=written,
        secret_key="p" * 40,
        wechat_token="prod-token-0123456789abcdef",
        wechat_app_id="wx-prod-test",
        wechat_app_secret="0123456789abcdef0123456789abcdef",
        wechat_encoding_aes_key="Z" * 43,
        database_url=settings.sqlalchemy_url,
        redis_url="redis://127.0.0.1:1/0",
        public_base_url="https://bot.example.cn",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/console/login", base_url="https://bot.example.cn")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("written", "means"),
    [
        ("", "development"),
        ("dev", "development"),
        ("Development", "development"),
        ("testing", "testing"),
        ("Test ", "testing"),
    ],
)
def test_other_environments_are_normalised(written, means):
    assert load_settings({"VETBOT_ENV": written}).env == means


@pytest.mark.parametrize("written", ["staging", "produktion", "prodution", "live", "1"])
def test_an_unknown_environment_stops_the_start_and_says_what_is_allowed(written):
    with pytest.raises(ConfigError, match="VETBOT_ENV") as refused:
        load_settings({"VETBOT_ENV": written})
    assert "production" in str(refused.value)
    assert repr(written) in str(refused.value)


def test_settings_made_in_code_are_normalised_too(base_settings):
    assert base_settings.with_overrides(env=" Prod").is_production
    with pytest.raises(ConfigError, match="VETBOT_ENV"):
        base_settings.with_overrides(env="prodd")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("VETBOT_SECRET_KEY", "x", "VETBOT_SECRET_KEY is too short"),
        ("VETBOT_SECRET_KEY", "s" * 31, "VETBOT_SECRET_KEY is too short"),
        ("VETBOT_SECRET_KEY", " " * 40, "VETBOT_SECRET_KEY is missing"),
        ("WECHAT_TOKEN", "x", "WECHAT_TOKEN is too short"),
        ("WECHAT_APP_SECRET", "x", "WECHAT_APP_SECRET is too short"),
        ("VETBOT_DEMO_DATA", "1", "VETBOT_DEMO_DATA"),
        ("VETBOT_PUBLIC_BASE_URL", "http://bot.example.cn", "https://"),
    ],
)
def test_production_refuses_short_secrets_demo_data_and_plain_http(name, value, says):
    env = {**GOOD_PRODUCTION, name: value}
    with pytest.raises(ConfigError, match=says):
        check_production(load_settings(env))


def test_production_problems_never_print_the_secret():
    secret = "short-but-secret"
    env = {**GOOD_PRODUCTION, "VETBOT_SECRET_KEY": secret}
    with pytest.raises(ConfigError) as refused:
        check_production(load_settings(env))
    assert secret not in str(refused.value)
