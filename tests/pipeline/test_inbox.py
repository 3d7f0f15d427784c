"""The durable inbox: dedupe, per-conversation order, leases, retries with backoff, failure and retry."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.accept import Inbox, to_new_event
from bot.pipeline.inbox import InboxWorker, WorkerOptions
from bot.tenancy.demo.seed import DemoReport
from storage import inbox_queue as queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent, LeaseLost
from storage.models import Channel, InboundEvent, utcnow
from tests.support.doubles import message, wait_until


async def console_channel(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> tuple[int, int]:
    async with sessions() as session:
        channel = await session.scalar(select(Channel).where(Channel.tenant_id == demo.tenant_id))
        assert channel is not None
        return demo.tenant_id, channel.id


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await queue.count_by_status(session)


async def test_a_retried_event_is_stored_once(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    inbox = Inbox(sessions)
    item = message("alice", "hello", event_id="evt-1")
    assert await inbox.accept(tenant_id, channel_id, [item]) == 1
    assert await inbox.accept(tenant_id, channel_id, [item]) == 0
    assert await statuses(sessions) == {"pending": 1}


async def test_concurrent_accepts_each_return_after_their_rows_are_stored(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    inbox = Inbox(sessions)
    items = [message(f"user{i % 7}", f"text {i}", event_id=f"evt-{i}") for i in range(60)]
    # Every item is sent twice, concurrently, as a platform retrying a slow webhook would.
    results = await asyncio.gather(*(inbox.accept(tenant_id, channel_id, [it]) for it in items + items))
    assert sum(results) == 60
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboundEvent)) == 60


async def test_one_event_per_conversation_is_claimed_oldest_first(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    inbox = Inbox(sessions)
    for text in ("a1", "a2", "a3"):
        await inbox.accept(tenant_id, channel_id, [message("alice", text)])
    for text in ("b1", "b2"):
        await inbox.accept(tenant_id, channel_id, [message("bob", text)])

    async def claim(limit: int = 10) -> list[ClaimedEvent]:
        async with transaction(sessions) as session:
            return await queue.claim_events(session, now=utcnow(), lease_seconds=30, limit=limit)

    first = await claim()
    assert sorted(e.payload["text"] for e in first) == ["a1", "b1"]
    assert await claim() == []  # a2 and b2 wait for a1 and b1
    a1 = next(e for e in first if e.payload["text"] == "a1")
    async with transaction(sessions) as session:
        await queue.complete_event(session, a1, utcnow())
    assert [e.payload["text"] for e in await claim()] == ["a2"]


async def test_an_expired_lease_is_taken_again_and_the_old_attempt_cannot_commit(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    await Inbox(sessions).accept(tenant_id, channel_id, [message("carol", "hi")])
    async with transaction(sessions) as session:
        (old,) = await queue.claim_events(session, now=utcnow(), lease_seconds=0.2, limit=1)
    await asyncio.sleep(0.3)  # the lease runs out (on PostgreSQL by the database's clock)
    async with transaction(sessions) as session:
        (new,) = await queue.claim_events(session, now=utcnow(), lease_seconds=30, limit=1)
    assert (new.id, new.attempts) == (old.id, 2)
    assert new.lock_token != old.lock_token
    with pytest.raises(LeaseLost):
        async with transaction(sessions) as session:
            await queue.complete_event(session, old, utcnow())
    async with transaction(sessions) as session:
        await queue.complete_event(session, new, utcnow())
    assert await statuses(sessions) == {"done": 1}


class FlakyProcessor:
    """Fails on chosen texts; records the order in which each conversation's events ran."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], failing: set[str]) -> None:
        self.sessions = sessions
        self.failing = failing
        self.attempts: dict[str, int] = defaultdict(int)
        self.order: dict[str, list[str]] = defaultdict(list)
        self.active: dict[str, int] = defaultdict(int)
        self.max_active_per_conversation = 0
        self.max_active = 0

    async def process(self, event: ClaimedEvent) -> None:
        text = event.payload["text"]
        self.attempts[text] += 1
        key = event.conversation_key
        self.active[key] += 1
        self.max_active_per_conversation = max(self.max_active_per_conversation, self.active[key])
        self.max_active = max(self.max_active, sum(self.active.values()))
        try:
            await asyncio.sleep(0.01)
            if text in self.failing:
                raise RuntimeError(f"cannot handle {text}")
            self.order[key].append(text)
            async with transaction(self.sessions) as session:
                await queue.complete_event(session, event, utcnow())
        finally:
            self.active[key] -= 1


def fast_options(**overrides: object) -> WorkerOptions:
    values: dict[str, object] = {
        "concurrency": 4,
        "lease_seconds": 5.0,
        "max_attempts": 3,
        "retry_base_seconds": 0.02,
        "poll_interval_seconds": 0.02,
    }
    values.update(overrides)
    return WorkerOptions(**values)  # type: ignore[arg-type]


async def test_worker_runs_conversations_side_by_side_but_each_in_order(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    inbox = Inbox(sessions)
    events = [
        to_new_event(tenant_id, channel_id, message(f"u{c}", f"u{c}-{n}")) for n in range(5) for c in range(4)
    ]
    await inbox.accept_events(events)
    processor = FlakyProcessor(sessions, failing=set())
    worker = InboxWorker(sessions, processor, fast_options())
    worker.start()
    try:
        await wait_until(lambda: _all_done(sessions, 20))
    finally:
        await worker.stop()
    assert processor.max_active_per_conversation == 1
    assert processor.max_active > 1
    for c in range(4):
        assert processor.order[f"u{c}"] == [f"u{c}-{n}" for n in range(5)]


async def _all_done(sessions: async_sessionmaker[AsyncSession], count: int) -> bool:
    return (await statuses(sessions)).get("done", 0) == count


async def test_a_failing_event_is_retried_then_parked_as_failed_and_can_be_retried(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_channel(sessions, demo)
    inbox = Inbox(sessions)
    for text in ("first", "poison", "after"):
        await inbox.accept(tenant_id, channel_id, [message("dave", text)])
    processor = FlakyProcessor(sessions, failing={"poison"})
    worker = InboxWorker(sessions, processor, fast_options())
    worker.start()
    try:
        await wait_until(lambda: _has(sessions, {"done": 2, "failed": 1}))
        assert processor.attempts["poison"] == 3
        # A parked event does not hold the conversation hostage: the later message was answered.
        assert processor.order["dave"] == ["first", "after"]
        async with sessions() as session:
            (failed,) = await queue.list_events(session, status="failed")
        assert failed.attempts == 3
        # The error class and where our code met it; never the message, which quotes the customer.
        assert failed.error is not None
        assert failed.error.startswith("RuntimeError at bot/pipeline/")
        assert "poison" not in failed.error

        processor.failing.clear()
        async with transaction(sessions) as session:
            assert await queue.retry_failed(session, now=utcnow(), tenant_id=tenant_id) == 1
        worker.wake()
        await wait_until(lambda: _has(sessions, {"done": 3}))
    finally:
        await worker.stop()
    assert processor.attempts["poison"] == 4


async def _has(sessions: async_sessionmaker[AsyncSession], expected: dict[str, int]) -> bool:
    return await statuses(sessions) == expected
