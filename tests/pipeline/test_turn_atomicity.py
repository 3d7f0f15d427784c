"""One transaction per turn: loading only reads, and a turn that fails at persist leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage.db import transaction
from storage.models import Base, Conversation, InboundEvent, utcnow
from tests.pipeline.test_pipeline import console_ids, settled
from tests.support.doubles import RecordingAdapter, message, wait_until

# What a failed attempt may change: its own event's status, attempts, error and lease.
QUEUE_TABLES = {"inbound_events", "outbox"}


async def snapshot(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the inbound queue, in a stable order."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in QUEUE_TABLES:
                continue
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


class PersistFails(Exception):
    pass


async def failing_effects(*_args: Any, **_kwargs: Any) -> None:
    raise PersistFails("the database refused the turn's last write")


async def event_failed(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        statuses = (await session.scalars(select(InboundEvent.status))).all()
    return "failed" in statuses


async def run_until_failed(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], who: str, words: str, demo: DemoReport
) -> RecordingAdapter:
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    runtime = build_runtime(settings, adapters={"console": adapter})
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message(who, words)])
        await wait_until(lambda: event_failed(sessions))
    finally:
        await runtime.close()
    return adapter


async def test_a_first_message_whose_turn_fails_at_persist_leaves_no_customer_or_conversation(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = await snapshot(sessions)
    monkeypatch.setattr("bot.pipeline.turn.persist_effects", failing_effects)
    adapter = await run_until_failed(settings, sessions, "lena", "what are your opening hours?", demo)
    assert adapter.sent == []
    assert await snapshot(sessions) == before


async def test_a_turn_that_fails_at_persist_neither_closes_the_old_conversation_nor_opens_one(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()})
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("milo", "hi")])
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await runtime.close()
    async with transaction(sessions) as session:  # the conversation went quiet two days ago
        await session.execute(update(Conversation).values(last_activity_at=utcnow() - timedelta(days=2)))
    before = await snapshot(sessions)

    monkeypatch.setattr("bot.pipeline.turn.persist_effects", failing_effects)
    adapter = await run_until_failed(settings, sessions, "milo", "back again: opening hours?", demo)
    assert adapter.sent == []
    after = await snapshot(sessions)
    assert after == before
    async with sessions() as session:
        (conversation,) = (await session.scalars(select(Conversation))).all()
    assert conversation.status == "bot_active"  # still open: closing it was part of the failed turn


async def test_loading_a_turn_only_reads_and_takes_no_write_lock_on_sqlite(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    if not settings.is_sqlite:
        pytest.skip("BEGIN DEFERRED / IMMEDIATE is SQLite's; PostgreSQL runs the load READ ONLY")
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()})
    # The loads go to connections of their own (runtime.read_db); each engine's statements in order.
    statements: dict[str, list[str]] = {"writer": [], "reader": []}

    def recorder(into: list[str]) -> Any:
        def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            into.append(statement.strip().split()[0].upper() if statement.strip() else "")
            if statement.startswith("BEGIN"):
                into[-1] = statement

        return record

    assert runtime.read_db is not None
    event.listen(runtime.db.sync_engine, "before_cursor_execute", recorder(statements["writer"]))
    event.listen(runtime.read_db.sync_engine, "before_cursor_execute", recorder(statements["reader"]))
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("nora", "what are your opening hours?")])
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await runtime.close()

    def transactions(of: list[str]) -> list[list[str]]:
        grouped: list[list[str]] = []
        for statement in of:
            if statement.startswith("BEGIN"):
                grouped.append([statement])
            elif grouped:
                grouped[-1].append(statement)
        return grouped

    read_only = transactions(statements["reader"])
    assert read_only, "the turn's load (and the outbox's) should read without a write lock"
    assert all(t[0] == "BEGIN DEFERRED" for t in read_only)
    # Every write went through the writer's connection, under its write lock from the start.
    assert all(t[0] == "BEGIN IMMEDIATE" for t in transactions(statements["writer"]))
    assert all(kind in ("SELECT", "PRAGMA") for t in read_only for kind in t[1:])
