"""docker-compose.yml: PostgreSQL with its data on a named volume, migrations before the server starts,
health checks that need nothing the images lack, and a secret key that must come from outside.

No Docker here: the file is read as YAML and checked for what `docker compose up` depends on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z_]+):\?(?P<message>[^}]+)\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    found = compose["services"][name]
    assert isinstance(found, dict)
    return found


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return float(match.group(1))


def test_postgres_16_keeps_its_data_on_a_named_volume_and_reports_its_health(compose: dict[str, Any]) -> None:
    db = service(compose, "db")

    assert db["image"] == "postgres:16"
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in compose["volumes"]
    assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_the_app_is_built_here_and_starts_once_the_database_is_healthy_and_migrated(
    compose: dict[str, Any],
) -> None:
    app, migrate = service(compose, "app"), service(compose, "migrate")

    assert app["build"] == migrate["build"] == "."
    assert (ROOT / "Dockerfile").is_file()
    assert migrate["command"] == ["chatbot", "db", "upgrade"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["command"] == ["chatbot", "serve"]
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert app["environment"]["CHATBOT_DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in app["environment"]["CHATBOT_DATABASE_URL"]


def test_the_app_health_check_asks_readyz_with_python_not_curl(compose: dict[str, Any]) -> None:
    check = service(compose, "app")["healthcheck"]["test"]

    assert check[:3] == ["CMD", "python", "-c"]
    assert "/readyz" in check[3]
    assert "curl" not in " ".join(check)
    compile(check[3], "healthcheck", "exec")  # the one-liner is valid Python


def test_the_secret_key_must_come_from_the_environment_with_a_message_saying_how(
    compose: dict[str, Any],
) -> None:
    for name in ("app", "migrate"):
        value = service(compose, name)["environment"]["CHATBOT_SECRET_KEY"]
        required = REQUIRED.match(value)
        assert required, f"{name}: CHATBOT_SECRET_KEY is not required ({value!r})"
        assert required["name"] == "CHATBOT_SECRET_KEY"
        assert "chatbot secret generate" in required["message"]
        assert service(compose, name)["environment"]["CHATBOT_ENV"] == "production"


def test_every_setting_named_is_one_the_app_reads(compose: dict[str, Any]) -> None:
    known = {PREFIX + field.upper() for field in Settings.model_fields} | {"GEMINI_API_KEY"}

    for name in ("app", "migrate"):
        assert set(service(compose, name)["environment"]) <= known


def test_docker_waits_longer_than_the_shutdown_grace_before_killing_the_server(
    compose: dict[str, Any],
) -> None:
    app = service(compose, "app")
    grace = re.fullmatch(
        r"\$\{CHATBOT_SHUTDOWN_GRACE_SECONDS:-(\d+)\}", app["environment"]["CHATBOT_SHUTDOWN_GRACE_SECONDS"]
    )
    assert grace

    assert app["stop_signal"] == "SIGTERM"
    assert app["init"] is True  # a real PID 1 passes the signal on
    assert seconds(app["stop_grace_period"]) > float(grace.group(1)) + 5
    assert Settings().shutdown_grace_seconds < 10  # also below `docker stop`'s own default of 10 s
