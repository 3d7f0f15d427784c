"""A stop lets running work finish within its grace and gives back the rest, claimable at once.

What a stop cuts short is `pending` again with its attempt given back, so the next process answers it
at once (the leases here are a minute long: waiting them out would fail these tests) and a message is
never parked as failed because of restarts. Work that finishes within the grace is simply done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Outbound, Platform, SendResult
from bot.config import Settings
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage import inbox_queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent
from storage.models import InboundEvent, Message, OutboxItem, utcnow
from tests.pipeline.test_pipeline import console_ids, count, settled
from tests.support.doubles import EchoEngine, RecordingAdapter, message, wait_until


@pytest.fixture
def long_leases(settings: Settings) -> Settings:
    """Leases far longer than any wait here: only a released row can be taken again in time."""
    return settings.model_copy(update={"lease_seconds": 60.0})


@dataclass
class StuckAdapter:
    """A platform that takes every send and never answers."""

    platform: Platform = Platform.CONSOLE
    max_text_length: int = 4096
    called: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def events(sessions: async_sessionmaker[AsyncSession]) -> list[InboundEvent]:
    async with sessions() as session:
        return list((await session.scalars(select(InboundEvent).order_by(InboundEvent.id))).all())


async def test_a_turn_cut_short_is_given_back_and_answered_once_in_order_at_the_next_start(
    long_leases: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.runtime")
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    engine = EchoEngine()
    in_turn = asyncio.Event()

    async def still_thinking(_event: ClaimedEvent) -> None:
        in_turn.set()
        await asyncio.Event().wait()  # a turn that outlasts any grace

    stopping = build_runtime(
        long_leases, adapters={"console": adapter}, engine=engine, before_commit=still_thinking
    )
    stopping.start()
    await stopping.inbox.accept(
        tenant_id, channel_id, [message("lena", "first question"), message("lena", "second question")]
    )
    await asyncio.wait_for(in_turn.wait(), 10)
    drained = await stopping.stop(grace_seconds=0.2)
    await stopping.close()

    first, second = await events(sessions)
    inbox, outbox, _notifier = drained
    assert (inbox.finished, inbox.released, inbox.expiring) == (0, (first.id,), 0)
    assert (outbox.released, outbox.expiring) == ((), 0)
    assert f"stopped: inbox 0 finished, 1 released [{first.id}]" in caplog.text
    # Pending again, not locked, and the attempt the stop cut short does not count.
    assert (first.status, first.locked_until, first.lock_token, first.attempts) == ("pending", None, None, 0)
    assert (second.status, second.attempts) == ("pending", 0)
    assert first.error is None
    assert await count(sessions, Message) == 0

    successor = build_runtime(long_leases, adapters={"console": adapter}, engine=engine)
    successor.start()
    try:
        await wait_until(lambda: settled(sessions, 2))
    finally:
        await successor.close()

    assert [sent.text for sent in adapter.sent] == ["echo: first question", "echo: second question"]
    assert [(event.status, event.attempts) for event in await events(sessions)] == [("done", 1), ("done", 1)]
    assert await count(sessions, Message, Message.role == "assistant") == 2


async def test_a_send_cut_short_is_given_back_and_sent_at_the_next_start(
    long_leases: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    stuck = StuckAdapter()
    stopping = build_runtime(long_leases, adapters={"console": stuck}, engine=EchoEngine())
    stopping.start()
    await stopping.inbox.accept(tenant_id, channel_id, [message("mona", "hello")])
    await asyncio.wait_for(stuck.called.wait(), 10)
    _inbox, outbox, _notifier = await stopping.stop(grace_seconds=0.2)
    await stopping.close()

    async with sessions() as session:
        row = await session.scalar(select(OutboxItem))
    assert row is not None
    assert outbox.released == (row.id,)
    assert (row.status, row.locked_until, row.attempts) == ("pending", None, 0)

    adapter = RecordingAdapter()
    successor = build_runtime(long_leases, adapters={"console": adapter}, engine=EchoEngine())
    successor.start()
    try:
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await successor.close()
    assert [sent.text for sent in adapter.sent] == ["echo: hello"]
    async with sessions() as session:
        row = await session.scalar(select(OutboxItem))
    assert row is not None
    assert (row.status, row.attempts) == ("sent", 1)


async def test_a_turn_that_finishes_within_the_grace_is_done_not_given_back(
    long_leases: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    in_turn, carry_on = asyncio.Event(), asyncio.Event()

    async def finishing(_event: ClaimedEvent) -> None:
        in_turn.set()
        await carry_on.wait()

    runtime = build_runtime(
        long_leases, adapters={"console": RecordingAdapter()}, engine=EchoEngine(), before_commit=finishing
    )
    runtime.start()
    await runtime.inbox.accept(tenant_id, channel_id, [message("nina", "hello")])
    await asyncio.wait_for(in_turn.wait(), 10)
    stop = runtime.begin_stop(grace_seconds=60.0)
    assert runtime.stopping
    assert await runtime.ready() == (False, "shutting down")
    carry_on.set()
    inbox, _outbox, _notifier = await stop
    await runtime.close()

    assert (inbox.finished, inbox.released, inbox.expiring) == (1, (), 0)
    [event] = await events(sessions)
    assert (event.status, event.attempts) == ("done", 1)
    # Its reply is queued: sent now if the outbox was still claiming, else by the next start.
    assert await count(sessions, OutboxItem) == 1


async def test_a_stop_gives_back_only_what_it_still_holds(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()}, engine=EchoEngine())
    await runtime.inbox.accept(tenant_id, channel_id, [message("olga", "hello")])
    await runtime.close()
    async with transaction(sessions) as session:
        (stale,) = await inbox_queue.claim_events(session, now=utcnow(), lease_seconds=0.1, limit=5)
    await asyncio.sleep(0.2)  # its lease ran out; another process takes the event over
    async with transaction(sessions) as session:
        (current,) = await inbox_queue.claim_events(session, now=utcnow(), lease_seconds=60, limit=5)

    async with transaction(sessions) as session:
        assert await inbox_queue.release_events(session, [stale], now=utcnow()) == set()
    [event] = await events(sessions)
    assert (event.status, event.lock_token, event.attempts) == ("processing", current.lock_token, 2)

    async with transaction(sessions) as session:
        assert await inbox_queue.release_events(session, [current], now=utcnow()) == {current.id}
    async with transaction(sessions) as session:
        (again,) = await inbox_queue.claim_events(session, now=utcnow(), lease_seconds=60, limit=5)
    assert (again.id, again.attempts) == (current.id, 2)  # the released attempt was given back
