"""`chatbot inbox retry` of an old event whose conversation moved on: recorded, not answered out of turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.engine.types import Decision, Ports, Reply, Turn
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage import inbox_queue
from storage.db import transaction
from storage.models import InboundEvent, Message, utcnow
from tests.pipeline.test_pipeline import console_ids
from tests.support.doubles import RecordingAdapter, message, wait_until


@dataclass
class BrokenOn:
    """Answers everything but ``broken`` texts, which fail (until mended)."""

    broken: set[str] = field(default_factory=set)

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        text = turn.inbound.text or ""
        if text in self.broken:
            raise RuntimeError("the engine cannot handle this one")
        return Decision(route="fallback", replies=(Reply(f"answer to {text}"),))


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(InboundEvent.platform_event_id, InboundEvent.status))
        return dict(rows.all())  # type: ignore[arg-type]


async def test_a_retried_old_message_is_stored_but_not_answered_after_later_ones_were(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    adapter = RecordingAdapter()
    engine = BrokenOn({"first question"})
    runtime = build_runtime(settings, adapters={"console": adapter}, engine=engine)
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("pia", "first question", "e1")])
        await runtime.inbox.accept(tenant_id, channel_id, [message("pia", "second question", "e2")])

        async def first_failed_second_answered() -> bool:
            return await statuses(sessions) == {"e1": "failed", "e2": "done"} and len(adapter.sent) == 1

        await wait_until(first_failed_second_answered)
        engine.broken.clear()  # the fault is mended; the operator puts the old event back
        async with transaction(sessions) as session:
            assert await inbox_queue.retry_failed(session, now=utcnow(), tenant_id=tenant_id) == 1
        runtime.worker.wake()

        async def all_done() -> bool:
            return await statuses(sessions) == {"e1": "done", "e2": "done"}

        await wait_until(all_done)
    finally:
        await runtime.close()

    assert [o.text for o in adapter.sent] == ["answer to second question"]
    async with sessions() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(m.role, m.text, m.route) for m in rows] == [
        ("user", "second question", "fallback"),
        ("assistant", "answer to second question", "fallback"),
        ("user", "first question", "silent"),
    ]
