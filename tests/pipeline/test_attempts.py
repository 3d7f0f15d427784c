"""Attempts count at claim: work that keeps killing its worker ends `failed`, never retried forever.

Also: a row this process is still working on is never claimed by it again, even past its lease.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage import inbox_queue, outbox_queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent
from storage.models import InboundEvent, Message, OutboxItem, utcnow
from tests.pipeline.test_pipeline import console_ids, count
from tests.support.doubles import EchoEngine, RecordingAdapter, message, wait_until


async def event_row(sessions: async_sessionmaker[AsyncSession]) -> InboundEvent:
    async with sessions() as session:
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        return event


async def test_an_event_that_kills_its_worker_every_time_ends_failed(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    settings = settings.model_copy(update={"lease_seconds": 0.5})
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    engine = EchoEngine()

    for attempt in range(1, settings.max_attempts + 1):
        in_turn = asyncio.Event()

        async def die(_event: ClaimedEvent, in_turn: asyncio.Event = in_turn) -> None:
            in_turn.set()
            await asyncio.Event().wait()  # the process dies here: nothing is recorded

        doomed = build_runtime(settings, adapters={"console": adapter}, engine=engine, before_commit=die)
        doomed.start()
        if attempt == 1:
            await doomed.inbox.accept(tenant_id, channel_id, [message("ivan", "this message kills workers")])
        await asyncio.wait_for(in_turn.wait(), 10)
        await doomed.worker.stop(grace_seconds=0, release=False)  # dies: its lease runs out
        await doomed.close()
        assert (await event_row(sessions)).attempts == attempt

    survivor = build_runtime(settings, adapters={"console": adapter}, engine=engine)
    survivor.start()
    try:

        async def parked() -> bool:
            return (await event_row(sessions)).status == "failed"

        await wait_until(parked)
    finally:
        await survivor.close()
    event = await event_row(sessions)
    assert event.attempts == settings.max_attempts
    assert event.error is not None
    assert f"{settings.max_attempts} attempts" in event.error
    assert engine.calls == {"this message kills workers": settings.max_attempts}  # not one more
    assert adapter.sent == []
    assert await count(sessions, Message) == 0


async def test_a_send_whose_sender_keeps_dying_is_parked_failed_with_its_message(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()}, engine=EchoEngine())
    runtime.worker.start()  # the worker only: nothing sends the reply
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("jon", "hello")])
        await wait_until(lambda: _outbox_rows(sessions, 1))
    finally:
        await runtime.close()

    for _ in range(2):  # two senders claim the reply and die holding it
        async with transaction(sessions) as session:
            (claim,) = await outbox_queue.claim_sends(
                session, now=utcnow(), lease_seconds=0.1, limit=5, max_attempts=2
            )
        await asyncio.sleep(0.2)
    async with transaction(sessions) as session:
        assert (
            await outbox_queue.claim_sends(session, now=utcnow(), lease_seconds=0.1, limit=5, max_attempts=2)
            == []
        )
    async with sessions() as session:
        row = await session.scalar(select(OutboxItem))
        reply = await session.scalar(select(Message).where(Message.role == "assistant"))
    assert row is not None
    assert reply is not None
    assert (row.status, row.attempts) == ("failed", 2)
    assert (reply.status, reply.failure_reason) == ("failed", "gave_up")
    assert claim.message_id == reply.id


async def test_a_send_still_running_here_is_not_claimed_again_after_its_lease(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()}, engine=EchoEngine())
    runtime.worker.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("kim", "hello")])
        await wait_until(lambda: _outbox_rows(sessions, 1))
    finally:
        await runtime.close()
    async with transaction(sessions) as session:
        (first,) = await outbox_queue.claim_sends(session, now=utcnow(), lease_seconds=0.1, limit=5)
    await asyncio.sleep(0.2)  # its lease ran out (say, renewing failed) while this process still sends it
    async with transaction(sessions) as session:
        assert (
            await outbox_queue.claim_sends(
                session, now=utcnow(), lease_seconds=0.1, limit=5, exclude_ids=[first.id]
            )
            == []
        )
    async with transaction(sessions) as session:
        (other,) = await outbox_queue.claim_sends(session, now=utcnow(), lease_seconds=5, limit=5)
    assert other.id == first.id  # another process may take it over, with a new token
    assert other.lock_token != first.lock_token


async def _outbox_rows(sessions: async_sessionmaker[AsyncSession], n: int) -> bool:
    return await count(sessions, OutboxItem) == n


async def test_on_postgresql_leases_follow_the_database_clock_not_the_hosts(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite is embedded: its clock is the host's")
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()}, engine=EchoEngine())
    await runtime.inbox.accept(tenant_id, channel_id, [message("quinn", "hello")])
    await runtime.close()
    async with transaction(sessions) as session:
        (held,) = await inbox_queue.claim_events(session, now=utcnow(), lease_seconds=30, limit=5)
    # A host whose clock runs an hour fast must not take over a lease that is alive by the database's.
    fast_host = utcnow() + timedelta(hours=1)
    async with transaction(sessions) as session:
        assert await inbox_queue.claim_events(session, now=fast_host, lease_seconds=30, limit=5) == []
    assert held.attempts == 1
