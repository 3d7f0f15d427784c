"""Configuration: sensible defaults, and every bad variable reported in one line that names it."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from bot.config import ConfigError, Settings, load_settings


def test_defaults_give_a_local_development_setup() -> None:
    settings = load_settings({})

    assert settings.env == "development"
    assert settings.port == 8080
    assert settings.is_sqlite
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{Path('var') / 'chatbot.db'}"
    assert settings.effective_public_url == "http://127.0.0.1:8080"
    assert settings.secret_key is None


def test_the_sqlite_database_lives_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"CHATBOT_DATA_DIR": str(tmp_path)})

    assert settings.data_dir == tmp_path
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'chatbot.db'}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHATBOT_PORT", "abc"),
        ("CHATBOT_PORT", "70000"),
        ("CHATBOT_PORT", "0"),
        ("CHATBOT_DATABASE_URL", "mysql://x"),
        ("CHATBOT_DATABASE_URL", "not a url"),
        ("CHATBOT_PUBLIC_URL", "ftp://x"),
        ("CHATBOT_ENV", "staging"),
        ("CHATBOT_LOG_LEVEL", "LOUD"),
        ("CHATBOT_MAX_BODY_BYTES", "10"),
        ("CHATBOT_WORKER_CONCURRENCY", "many"),
        ("CHATBOT_LEASE_SECONDS", "0"),
        ("CHATBOT_GEMINI_BASE_URL", "localhost:9000"),
        ("CHATBOT_LOG_FORMAT", "yaml"),
        ("CHATBOT_WORKERS", "0"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value})

    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message
    assert "validation error" not in message.lower()  # not pydantic's multi-line report


def test_the_first_bad_variable_is_reported_even_when_others_are_fine() -> None:
    with pytest.raises(ConfigError, match=r"^CHATBOT_PORT: "):
        load_settings({"CHATBOT_ENV": "production", "CHATBOT_SECRET_KEY": "k", "CHATBOT_PORT": "-1"})


def test_production_without_a_secret_key_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"CHATBOT_ENV": "production"})

    message = str(raised.value)
    assert message.startswith("CHATBOT_SECRET_KEY: ")
    assert "\n" not in message


def test_an_empty_secret_key_counts_as_missing_in_production() -> None:
    with pytest.raises(ConfigError, match=r"^CHATBOT_SECRET_KEY: "):
        load_settings({"CHATBOT_ENV": "production", "CHATBOT_SECRET_KEY": ""})


def test_production_with_a_secret_key_starts() -> None:
    settings = load_settings({"CHATBOT_ENV": "production", "CHATBOT_SECRET_KEY": "a-key"})

    assert settings.env == "production"
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "a-key"
    assert "a-key" not in repr(settings)


def test_gemini_api_key_is_read_under_its_usual_name() -> None:
    settings = load_settings({"GEMINI_API_KEY": "gem-123"})

    assert settings.gemini_api_key is not None
    assert settings.gemini_api_key.get_secret_value() == "gem-123"
    assert "gem-123" not in repr(settings)


def test_values_are_parsed_to_their_types() -> None:
    settings = load_settings(
        {
            "CHATBOT_PORT": "9090",
            "CHATBOT_HOST": "0.0.0.0",  # noqa: S104 - the value under test, nothing binds
            "CHATBOT_LOG_LEVEL": "DEBUG",
            "CHATBOT_LEASE_SECONDS": "2.5",
        }
    )

    assert settings.port == 9090
    assert settings.log_level == "DEBUG"
    assert settings.lease_seconds == 2.5
    # A wildcard bind address is not somewhere a browser can go; show loopback instead.
    assert settings.effective_public_url == "http://127.0.0.1:9090"


def test_public_url_loses_its_trailing_slash() -> None:
    settings = load_settings({"CHATBOT_PUBLIC_URL": "https://bot.example.com/"})

    assert settings.effective_public_url == "https://bot.example.com"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://chatbot:pw@db.internal:5432/chatbot",
        "postgres://chatbot@localhost/chatbot",
        "postgresql+asyncpg://chatbot@localhost/chatbot",
    ],
)
def test_postgresql_urls_are_accepted(url: str) -> None:
    settings = load_settings({"CHATBOT_DATABASE_URL": url})

    assert settings.effective_database_url == url
    assert not settings.is_sqlite


def test_overrides_win_over_the_environment(tmp_path: Path) -> None:
    settings = load_settings({"CHATBOT_PORT": "9000"}, port=9100, data_dir=tmp_path)

    assert settings.port == 9100
    assert settings.data_dir == tmp_path


def test_settings_are_frozen() -> None:
    settings = load_settings({})

    with pytest.raises(pydantic.ValidationError):
        settings.port = 9999  # type: ignore[misc]
    assert settings.port == 8080


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings(prot=80)  # type: ignore[call-arg]


def test_a_rejected_database_url_does_not_echo_its_password() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"CHATBOT_DATABASE_URL": "mysql://chatbot:s3cret-pw@db.internal/chatbot"})

    assert str(raised.value).startswith("CHATBOT_DATABASE_URL: ")
    assert "s3cret-pw" not in str(raised.value)


def test_logs_metrics_and_workers_are_read_once_like_the_rest(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "CHATBOT_LOG_FORMAT": "json",
            "CHATBOT_WORKERS": "4",
            "CHATBOT_METRICS_TOKEN": "scrape-me",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        }
    )

    assert settings.log_format == "json"
    assert settings.workers == 4
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "scrape-me"
    assert settings.prometheus_multiproc_dir == tmp_path
    assert load_settings({}).workers == 1
    assert load_settings({}).log_format == "text"
