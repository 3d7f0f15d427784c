"""One frozen Settings object, read from CHATBOT_* environment variables once and validated at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from adapters.http_client import DEFAULT_OUTBOUND_CONNECTIONS
from storage.db import DatabaseUrlError, normalise_url

PREFIX = "CHATBOT_"


class ConfigError(Exception):
    """Bad configuration; the message is one line that names the variable."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = ""
    graph_api_base: str = "https://graph.facebook.com/v25.0"
    groupme_api_base: str = "https://api.groupme.com/v3"
    gemini_base_url: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    # Optional: score intents with this (cheap) model using structured output; the local scorer otherwise.
    gemini_intent_model: str | None = None
    gemini_api_key: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line (time, level, logger, message and the ids known at that point).
    log_format: Literal["text", "json"] = "text"
    # Processes `chatbot serve` starts on the one port (PostgreSQL only when more than one).
    workers: int = Field(default=1, ge=1, le=64)
    # When set, GET /metrics wants "Authorization: Bearer <token>"; open by default (no tenant data in it).
    metrics_token: SecretStr | None = None
    # prometheus-client's multiprocess directory (PROMETHEUS_MULTIPROC_DIR, the library's own variable);
    # `chatbot serve --workers N` sets it for its processes, so one scrape sums them all.
    prometheus_multiproc_dir: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Far above the core count: a turn mostly waits (on the LLM, the platform); writes are group-committed.
    worker_concurrency: int = Field(default=256, ge=1, le=4096)
    # Requests to the platforms' APIs in flight at once per process; the rest wait their turn (see
    # bot/outbound_http.py for why this is not simply the worker concurrency).
    outbound_connections: int = Field(default=DEFAULT_OUTBOUND_CONNECTIONS, ge=1, le=1024)
    # Flood control: LLM turns one customer may start per minute (bot/billing/rate_limits.py); beyond it
    # a message is answered once, without the model.
    customer_turns_per_minute: int = Field(default=6, ge=1, le=1_000_000)
    lease_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=2.0, ge=0)
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    # Tenants' notification webhooks: attempts before a delivery is given up.
    notify_max_attempts: int = Field(default=8, ge=1)
    # How often escalated conversations are checked against their tenant's escalation timeout.
    escalation_sweep_seconds: float = Field(default=15.0, gt=0)
    # On SIGTERM/SIGINT, how long running turns, sends and requests get to finish before they are cut
    # short and their queue rows given back. Below the supervisor's kill timeout (Docker's is 10 s).
    shutdown_grace_seconds: float = Field(default=8.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, value: str) -> str:
        if value:
            try:
                normalise_url(value)
            except DatabaseUrlError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("public_url", "graph_api_base", "groupme_api_base", "gemini_base_url")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/") if value else value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'chatbot.db'}"

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 - a display value
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return normalise_url(self.effective_database_url).get_backend_name() == "sqlite"


# Settings read from variables that other software names (the rest carry the CHATBOT_ prefix).
FOREIGN_VARIABLES = {
    "gemini_api_key": "GEMINI_API_KEY",
    "prometheus_multiproc_dir": "PROMETHEUS_MULTIPROC_DIR",
}


def _variable_for(field: str) -> str:
    return FOREIGN_VARIABLES.get(field, PREFIX + field.upper())


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment; raise ConfigError naming the first bad variable."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for name in Settings.model_fields:
        value = environ.get(_variable_for(name))
        if name == "gemini_api_key" and value is None:
            value = environ.get(PREFIX + "GEMINI_API_KEY")
        if value is not None and value != "":
            raw[name] = value
    raw.update(overrides)
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{_variable_for(field)}: {message}") from None
    if settings.env == "production" and settings.secret_key is None:
        raise ConfigError(
            "CHATBOT_SECRET_KEY: required when CHATBOT_ENV=production "
            "(generate one with: chatbot secret generate)"
        )
    return settings
