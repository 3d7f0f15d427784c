"""Migration 0010 on a database with credits already in it: the ledger is opened so that it sums to the
balance, old kinds are renamed, billing events get keys; and it goes down and up again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import alembic_config, schema_differences, upgrade_async
from tests.conftest import requires_postgres
from tests.storage.test_migrations import fresh_postgres_url

__all__ = ["fresh_postgres_url"]

BEFORE = [
    "INSERT INTO tenants (id, name, slug, timezone, active, inactivity_timeout_minutes, settings, "
    "config_version, created_at, updated_at) VALUES (1, 'Old Shop', 'old', 'UTC', true, 60, '{}', 0, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end, "
    "created_at, updated_at) SELECT 1, id, 'active', '2026-01-01 00:00:00', '2026-01-31 00:00:00', "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM plans WHERE code = 'basic'",
    "INSERT INTO credit_accounts (tenant_id, balance, used_total, purchased_total, expired_total, "
    "period_start, period_end, created_at, updated_at) VALUES (1, 100, 0, 0, 0, '2026-01-01 00:00:00', "
    "'2026-01-31 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO tenants (id, name, slug, timezone, active, inactivity_timeout_minutes, settings, "
    "config_version, created_at, updated_at) VALUES (2, 'Ledger Shop', 'ledger', 'UTC', true, 60, '{}', 0, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO credit_accounts (id, tenant_id, balance, used_total, purchased_total, expired_total, "
    "period_start, period_end, created_at, updated_at) VALUES (7, 2, 40, 10, 50, 0, '2026-01-01 00:00:00', "
    "'2026-01-31 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO credit_transactions (tenant_id, account_id, delta, balance_after, kind, idempotency_key, "
    "created_at, updated_at) VALUES (2, 7, 50, 50, 'purchase', 'p1', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00'), (2, 7, -10, 40, 'debit', 'd1', '2026-01-02 00:00:00', '2026-01-02 00:00:00')",
    "INSERT INTO billing_events (tenant_id, kind, amount, currency, credits, occurred_at, created_at, "
    "updated_at) VALUES (1, 'subscription', 19, 'USD', 100, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00')",
]


async def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def _migrates_with_credits(url: str) -> None:
    await upgrade_async(url, "0009")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in BEFORE:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()

    await upgrade_async(url)

    assert await schema_differences(url) == []
    assert await rows(
        url, "SELECT tenant_id, kind, delta, idempotency_key FROM credit_transactions ORDER BY tenant_id, id"
    ) == [(1, "refill", 100, "opening:1"), (2, "grant", 50, "p1"), (2, "commit", -10, "d1")]
    assert await rows(
        url, "SELECT tenant_id, reserved, period_plan_credits FROM credit_accounts ORDER BY 1"
    ) == [
        (1, 0, 100),
        (2, 0, 0),
    ]
    assert await rows(url, "SELECT idempotency_key FROM billing_events") == [("legacy:1",)]
    assert await rows(url, "SELECT code, overage_allowed FROM plans ORDER BY credits_per_period") == [
        ("free", False),
        ("basic", False),
        ("pro", True),
        ("enterprise", True),
    ]

    await asyncio.to_thread(command.downgrade, alembic_config(url.replace("+aiosqlite", "")), "0009")
    assert await rows(url, "SELECT kind FROM credit_transactions WHERE tenant_id = 2 ORDER BY id") == [
        ("grant",),
        ("debit",),
    ]
    await upgrade_async(url)
    assert await schema_differences(url) == []


async def test_sqlite_migrates_existing_credits_and_back(tmp_path: Path) -> None:
    await _migrates_with_credits(f"sqlite:///{tmp_path / 'credits.db'}")


@requires_postgres
async def test_postgresql_migrates_existing_credits_and_back(fresh_postgres_url: str) -> None:
    await _migrates_with_credits(fresh_postgres_url)
