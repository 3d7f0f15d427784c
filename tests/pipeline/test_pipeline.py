"""The whole path of a message: accept -> inbox -> engine -> one transaction -> outbox -> platform.

Includes the two guarantees the runtime is built on: a worker that dies between the engine and the
commit leaves no trace but its lease (the event is taken again and answered once), and several workers
on PostgreSQL process every event exactly once with each conversation's replies in arrival order.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.pipeline.accept import to_new_event
from bot.runtime import Runtime, build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage.inbox_queue import ClaimedEvent
from storage.models import (
    Channel,
    Conversation,
    Customer,
    InboundEvent,
    KnowledgeEntry,
    Message,
    OutboxItem,
)
from tests.conftest import requires_postgres
from tests.support.doubles import EchoEngine, RecordingAdapter, message, wait_until


async def console_ids(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> tuple[int, int]:
    async with sessions() as session:
        channel = await session.scalar(select(Channel).where(Channel.tenant_id == demo.tenant_id))
        assert channel is not None
        return demo.tenant_id, channel.id


async def count(sessions: async_sessionmaker[AsyncSession], model: type, *where: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def settled(sessions: async_sessionmaker[AsyncSession], events: int) -> bool:
    done = await count(sessions, InboundEvent, InboundEvent.status == "done")
    unsent = await count(sessions, OutboxItem, OutboxItem.status.in_(("pending", "sending")))
    return done == events and unsent == 0


async def test_customer_asks_opening_hours_and_gets_the_knowledge_answer(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    runtime = build_runtime(settings, adapters={"console": adapter})
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("erin", "what are your opening hours?")])
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await runtime.close()

    assert len(adapter.sent) == 1
    assert "9am" in adapter.sent[0].text
    assert adapter.sent[0].recipient_id == "erin"
    async with sessions() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
        assert [(m.role, m.direction, m.status, m.route) for m in rows] == [
            ("user", "in", "received", "knowledge"),
            ("assistant", "out", "sent", "knowledge"),
        ]
        assert rows[1].platform_message_id is not None
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert (conversation.status, conversation.message_count) == ("bot_active", 2)
        used = await session.scalar(select(func.sum(KnowledgeEntry.usage_count)))
        assert used == 1


async def test_a_webhook_retried_with_the_same_event_gets_one_reply(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    runtime = build_runtime(settings, adapters={"console": adapter}, engine=EchoEngine())
    runtime.start()
    try:
        item = message("frank", "hello there", event_id="evt-42")
        for _ in range(3):
            await runtime.inbox.accept(tenant_id, channel_id, [item])
        # Same platform message under a new event id (a platform resend): still one answer.
        await runtime.inbox.accept(tenant_id, channel_id, [replace(item, event_id="evt-43")])
        await wait_until(lambda: settled(sessions, 2))
    finally:
        await runtime.close()
    assert [o.text for o in adapter.sent] == ["echo: hello there"]
    assert await count(sessions, Message) == 2


async def test_a_worker_that_dies_before_commit_leaves_the_event_to_be_answered_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    settings = settings.model_copy(update={"lease_seconds": 1.0})
    adapter = RecordingAdapter()
    engine = EchoEngine()
    in_limbo = asyncio.Event()

    async def die_before_commit(_event: ClaimedEvent) -> None:
        in_limbo.set()
        await asyncio.Event().wait()  # hangs until the task is cancelled, as a crash would leave it

    doomed = build_runtime(
        settings, adapters={"console": adapter}, engine=engine, before_commit=die_before_commit
    )
    doomed.start()
    await doomed.inbox.accept(tenant_id, channel_id, [message("gina", "where is my order?")])
    await asyncio.wait_for(in_limbo.wait(), 10)
    # Cancels the turn after the engine ran, before commit, and leaves its lease to run out: a crash.
    await doomed.worker.stop(grace_seconds=0, release=False)
    await doomed.close()

    assert engine.calls == {"where is my order?": 1}
    assert await count(sessions, Message) == 0
    assert await count(sessions, InboundEvent, InboundEvent.status == "processing") == 1

    survivor = build_runtime(settings, adapters={"console": adapter}, engine=engine)
    survivor.start()
    try:
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await survivor.close()

    assert engine.calls == {"where is my order?": 2}
    assert [o.text for o in adapter.sent] == ["echo: where is my order?"]
    assert await count(sessions, Message, Message.role == "user") == 1
    assert await count(sessions, Message, Message.role == "assistant") == 1
    assert await count(sessions, OutboxItem) == 1
    assert await count(sessions, Customer) == 1
    assert await count(sessions, Conversation) == 1
    async with sessions() as session:
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        assert (event.status, event.attempts) == ("done", 2)


@requires_postgres
async def test_four_workers_process_200_events_exactly_once_in_conversation_order(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    if settings.is_sqlite:
        pytest.skip("several workers claiming concurrently is a PostgreSQL deployment; SQLite runs one")
    tenant_id, channel_id = await console_ids(sessions, demo)
    # Leases long enough that only contention is tested here: on a starved machine a 5 s lease can lapse
    # between renewals, and a takeover (at-least-once by design, tested elsewhere) would run a turn twice.
    settings = settings.model_copy(update={"lease_seconds": 60.0})
    adapter = RecordingAdapter()
    engine = EchoEngine(max_pause=0.01)
    conversations, per_conversation = 20, 10
    # Four runtimes, each with its own connection pool, claim from one queue as four processes would.
    runtimes: list[Runtime] = [
        build_runtime(settings, adapters={"console": adapter}, engine=engine) for _ in range(4)
    ]
    # Every conversation has its whole backlog queued before any worker starts: the most contention.
    backlog = [
        to_new_event(tenant_id, channel_id, message(f"c{c:02d}", f"c{c:02d} #{n}"))
        for n in range(per_conversation)
        for c in range(conversations)
    ]
    await runtimes[0].inbox.accept_events(backlog)
    for runtime in runtimes:
        runtime.start()
    try:
        await wait_until(lambda: settled(sessions, conversations * per_conversation), timeout=120)
    finally:
        for runtime in runtimes:
            await runtime.close()

    total = conversations * per_conversation
    assert len(engine.calls) == total
    assert set(engine.calls.values()) == {1}
    assert len(adapter.sent) == total
    replies: dict[str, list[str]] = defaultdict(list)
    for outbound in adapter.sent:
        replies[outbound.recipient_id].append(outbound.text)
    for c in range(conversations):
        assert replies[f"c{c:02d}"] == [f"echo: c{c:02d} #{n}" for n in range(per_conversation)]
    assert await count(sessions, Message, Message.role == "user") == total
    assert await count(sessions, Message, Message.role == "assistant") == total
    assert await count(sessions, InboundEvent, InboundEvent.attempts != 1) == 0
    assert sum(r.worker.processed for r in runtimes) == total
    assert sum(1 for r in runtimes if r.worker.processed) > 1
