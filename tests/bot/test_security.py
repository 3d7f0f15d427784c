"""Secrets at rest: the local key file, channel credentials sealed with Fernet, API keys stored as hashes."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import ConfigError, load_settings
from bot.security import (
    KEY_FILE_NAME,
    CredentialBox,
    CredentialsUnreadable,
    generate_key,
    hash_token,
    new_token,
    resolve_secret_key,
    token_matches,
)
from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.channel_setup import ChannelRequest, add_channel, webhook_url
from bot.tenancy.tenant_accounts import create_tenant, require_tenant
from storage.db import transaction

ACCESS_TOKEN = "EAAGm0PX4ZCpsBAtest-access-token-31337"
APP_SECRET = "f3c9a1b2c3d4e5f60718293a4b5c6d7e"
VERIFY_TOKEN = "let-me-in-verify-token"

# --- the local key file -------------------------------------------------------------------------------


def test_without_a_configured_key_one_is_created_once_and_reused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({}, data_dir=tmp_path / "data")
    key_file = tmp_path / "data" / KEY_FILE_NAME

    with caplog.at_level(logging.WARNING, logger="bot.security"):
        first = resolve_secret_key(settings)

    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(first)  # a usable key
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "CHATBOT_SECRET_KEY" in warnings[0]
    assert str(key_file) in warnings[0]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.security"):
        second = resolve_secret_key(settings)

    assert second == first
    assert caplog.records == []


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path: Path) -> None:
    key = generate_key()
    settings = load_settings({"CHATBOT_SECRET_KEY": key}, data_dir=tmp_path)

    assert resolve_secret_key(settings) == key.encode()
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_a_bad_configured_key_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    settings = load_settings({"CHATBOT_SECRET_KEY": "not-a-fernet-key"}, data_dir=tmp_path)

    with pytest.raises(ConfigError) as raised:
        resolve_secret_key(settings)

    message = str(raised.value)
    assert message.startswith("CHATBOT_SECRET_KEY: ")
    assert "not-a-fernet-key" not in message
    assert "\n" not in message


def test_a_damaged_key_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("garbage\n")
    settings = load_settings({}, data_dir=tmp_path)

    with pytest.raises(ConfigError, match=KEY_FILE_NAME):
        resolve_secret_key(settings)


# --- sealing channel credentials ----------------------------------------------------------------------


def test_credentials_round_trip_and_the_ciphertext_hides_them() -> None:
    box = CredentialBox(generate_key().encode())
    credentials = {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET}

    sealed = box.seal(credentials)

    assert ACCESS_TOKEN not in sealed
    assert APP_SECRET not in sealed
    assert box.open(sealed) == credentials


def test_no_stored_credentials_open_as_empty() -> None:
    box = CredentialBox(generate_key().encode())

    assert box.open(None) == {}
    assert box.open("") == {}


def test_a_box_with_another_key_cannot_read_them() -> None:
    sealed = CredentialBox(generate_key().encode()).seal({"access_token": ACCESS_TOKEN})
    other = CredentialBox(generate_key().encode())

    with pytest.raises(CredentialsUnreadable) as raised:
        other.open(sealed)
    assert ACCESS_TOKEN not in str(raised.value)


# --- hashed bearer secrets ----------------------------------------------------------------------------


def test_tokens_are_random_and_carry_their_prefix() -> None:
    first, second = new_token("cbk"), new_token("cbk")

    assert first.startswith("cbk_")
    assert first != second
    assert len(first) > 40


def test_a_token_matches_only_its_own_hash() -> None:
    token = new_token("cbk")
    stored = hash_token(token)

    assert stored != token
    assert token not in stored
    assert token_matches(token, stored)
    assert not token_matches(token + "x", stored)
    assert not token_matches(new_token("cbk"), stored)


# --- what admin actions store, against the database ----------------------------------------------------


async def _column(sessions: async_sessionmaker[AsyncSession], sql: str, row_id: int) -> str:
    async with transaction(sessions) as session:
        value = (await session.execute(text(sql), {"id": row_id})).scalar_one()
    assert isinstance(value, str)
    return value


def _watch_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its loggers at WARNING unless asked; ask, so statements and parameters are logged.
    for name in ("sqlalchemy", "sqlalchemy.engine", "aiosqlite", "asyncpg", "bot", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)


def _assert_not_logged(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    # The raw args too: a handler with another format could print parameters the message leaves out.
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    for secret in secrets:
        assert secret not in logged


async def test_messenger_credentials_are_stored_encrypted(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox, caplog: pytest.LogCaptureFixture
) -> None:
    _watch_everything(caplog)
    async with transaction(sessions) as session:
        created = await create_tenant(session, name="Acme", slug="acme")
        tenant = await require_tenant(session, "acme")
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger",
                external_id="1234567890",
                secrets={
                    "access_token": ACCESS_TOKEN,
                    "app_secret": APP_SECRET,
                    "verify_token": VERIFY_TOKEN,
                },
            ),
        )

    raw = await _column(sessions, "SELECT credentials_encrypted FROM channels WHERE id = :id", channel.id)

    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in raw
    assert box.open(raw) == {
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }
    assert any("INSERT INTO channels" in r.getMessage() for r in caplog.records), "SQL was not logged"
    _assert_not_logged(caplog, ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, created.secret)


async def test_the_webhook_url_carries_no_credentials(
    sessions: async_sessionmaker[AsyncSession], box: CredentialBox
) -> None:
    async with transaction(sessions) as session:
        await create_tenant(session, name="Acme", slug="acme")
        tenant = await require_tenant(session, "acme")
        channel = await add_channel(
            session,
            box,
            tenant=tenant,
            request=ChannelRequest(
                platform="messenger",
                external_id="1234567890",
                secrets={
                    "access_token": ACCESS_TOKEN,
                    "app_secret": APP_SECRET,
                    "verify_token": VERIFY_TOKEN,
                },
            ),
        )

    url = webhook_url("https://bot.example.com", channel)

    assert url.startswith("https://bot.example.com/webhooks/messenger/")
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, "1234567890"):
        assert secret not in url


async def test_tenant_api_keys_and_agent_tokens_are_stored_only_as_hashes(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    _watch_everything(caplog)
    async with transaction(sessions) as session:
        tenant_created = await create_tenant(session, name="Acme", slug="acme")
        tenant = await require_tenant(session, "acme")
        agent_created = await create_agent(
            session, tenant=tenant, name="Dana", role="admin", email="dana@example.com"
        )

    api_key_hash = await _column(
        sessions, "SELECT key_hash FROM api_keys WHERE tenant_id = :id", tenant_created.id
    )
    token_hash = await _column(sessions, "SELECT token_hash FROM agents WHERE id = :id", agent_created.id)

    assert api_key_hash != tenant_created.secret
    assert api_key_hash == hash_token(tenant_created.secret)
    assert token_hash != agent_created.secret
    assert token_hash == hash_token(agent_created.secret)
    assert tenant_created.secret != agent_created.secret
    assert any("INSERT INTO tenants" in r.getMessage() for r in caplog.records), "SQL was not logged"
    _assert_not_logged(caplog, tenant_created.secret, agent_created.secret)
