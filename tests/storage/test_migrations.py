"""Migrations build the schema from empty and agree with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine
from storage.migrate import current_revision, head_revision, schema_differences, upgrade_async
from storage.models import Base
from storage.models.conversation_tables import ROUTES
from tests.conftest import POSTGRES_URL, requires_postgres


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    """A brand-new empty database on the test server, dropped afterwards."""
    name = f"chatbot_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(str(make_url(POSTGRES_URL).set(database="postgres")))
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _assert_migrates_from_empty(url: str) -> None:
    assert await current_revision(url) is None
    await upgrade_async(url)
    assert await current_revision(url) == head_revision() == "0015"
    assert await schema_differences(url) == []
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            # Autogenerate does not compare CHECK constraints: every route a turn can store is allowed.
            if conn.dialect.name == "sqlite":
                check = (
                    await conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'messages'"))
                ).scalar_one()
            else:
                check = (
                    await conn.execute(
                        text(
                            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                            "WHERE conname = 'ck_messages_route_valid'"
                        )
                    )
                ).scalar_one()
            assert all(f"'{route}'" in check for route in ROUTES), check
            plans = (
                await conn.execute(
                    text(
                        "SELECT code, credits_per_period, requests_per_minute, requests_per_hour "
                        "FROM plans ORDER BY credits_per_period"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(p) for p in plans] == [
        ("free", 10, 5, 50),
        ("basic", 100, 20, 500),
        ("pro", 1000, 50, 2000),
        ("enterprise", 10000, 100, 10000),
    ]


async def test_sqlite_schema_from_empty_matches_models(tmp_path: Path) -> None:
    await _assert_migrates_from_empty(f"sqlite:///{tmp_path / 'fresh.db'}")


@requires_postgres
async def test_postgresql_schema_from_empty_matches_models(fresh_postgres_url: str) -> None:
    await _assert_migrates_from_empty(fresh_postgres_url)


async def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    await upgrade_async(url)
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM plans"))).scalar() == 4
    finally:
        await engine.dispose()


def test_every_model_table_is_in_the_schema() -> None:
    expected = {
        "tenants", "plans", "subscriptions", "channels", "bots", "customers", "groups", "group_members",
        "conversations", "messages", "tool_calls", "inbound_events", "outbox", "agents", "handoffs",
        "feedback", "knowledge_entries", "templates", "custom_commands", "tracked_links", "conversions",
        "monetization_sources", "campaigns", "credit_accounts", "credit_transactions", "usage_logs",
        "billing_events", "lead_activities", "rate_limit_counters",
    }  # fmt: skip
    assert expected <= set(Base.metadata.tables)


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    async with sessions() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1


CUSTOMER = (
    "INSERT INTO customers (tenant_id, channel_id, platform_user_id, lead_stage, lead_score, "
    "lead_label, customer_type, created_at, updated_at) VALUES (1, 1, 'u', {stage}, {score}, "
    "'cold', 'new', :now, :now)"
)
BAD_ROWS = {
    "lead score above 100": CUSTOMER.format(stage="'intake'", score=101),
    "unknown lead stage": CUSTOMER.format(stage="'dreaming'", score=5),
    "rating above 5": (
        "INSERT INTO feedback (tenant_id, conversation_id, rating, resolved, created_at, updated_at) "
        "VALUES (1, 1, 6, false, :now, :now)"
    ),
    "negative conversion value": (
        "INSERT INTO conversions (tenant_id, outcome, value, currency, occurred_at, created_at, "
        "updated_at) VALUES (1, 'purchased', -1, 'USD', :now, :now, :now)"
    ),
    "negative credit balance": "UPDATE credit_accounts SET balance = -1",
    "negative rate-limit count": (
        "INSERT INTO rate_limit_counters (tenant_id, scope, subject_id, kind, window_start, expires_at, "
        "hits, created_at, updated_at) VALUES (1, 'tenant', 0, 'minute', :now, :now, -1, :now, :now)"
    ),
    "unknown rate-limit window": (
        "INSERT INTO rate_limit_counters (tenant_id, scope, subject_id, kind, window_start, expires_at, "
        "hits, created_at, updated_at) VALUES (1, 'tenant', 0, 'day', :now, :now, 1, :now, :now)"
    ),
    "unknown event status": (
        "INSERT INTO inbound_events (tenant_id, channel_id, platform_event_id, conversation_key, kind, "
        "payload, status, attempts, available_at, created_at, updated_at) "
        "VALUES (1, 1, 'x', 'k', 'message', '{}', 'weird', 0, :now, :now, :now)"
    ),
    "message of a missing conversation": (
        "INSERT INTO messages (tenant_id, conversation_id, channel_id, role, direction, status, type, "
        "source, prompt_tokens, completion_tokens, created_at, updated_at) "
        "VALUES (1, 999999, 1, 'user', 'in', 'received', 'text', 'direct', 0, 0, :now, :now)"
    ),
}


@pytest.mark.parametrize("reason", sorted(BAD_ROWS))
async def test_constraints_reject_bad_rows(
    demo: object, sessions: async_sessionmaker[AsyncSession], reason: str
) -> None:
    from datetime import UTC, datetime

    from storage.models.declarative import UTCDateTime

    now = datetime.now(UTC)
    async with sessions() as session:
        bind_now = UTCDateTime().process_bind_param(now, session.get_bind().dialect)
        with pytest.raises(IntegrityError):
            await session.execute(text(BAD_ROWS[reason]), {"now": bind_now})


async def test_a_tenants_api_key_keeps_working_across_the_move_to_api_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    await upgrade_async(url, "0013")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO tenants (name, slug, timezone, api_key_hash, active,"
                    " inactivity_timeout_minutes, settings, config_version, created_at, updated_at)"
                    " VALUES ('Old', 'old', 'UTC', 'abc123', 1, 1440, '{}', 0,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        await upgrade_async(url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT t.slug, k.key_hash, k.revoked_at"
                        " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
                    )
                )
            ).all()
        assert [tuple(row) for row in rows] == [("old", "abc123", None)]
    finally:
        await engine.dispose()
