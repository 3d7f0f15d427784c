"""What a failed send leaves in outbox.last_error and messages.error: the error class, never the reply."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Outbound, SendResult
from bot.config import Settings
from bot.tenancy.demo.seed import DemoReport
from storage.models import Message, OutboxItem
from tests.pipeline.test_outbox import LONG_REPLY, run_turn
from tests.support.doubles import RecordingAdapter

QUOTED = LONG_REPLY[:40]


def quoting(adapter: RecordingAdapter, error: type[Exception]) -> None:
    """Make the adapter raise ``error`` quoting the reply, for the long reply only."""
    original_send = adapter.send

    async def send(credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        if len(outbound.text) > 1000:
            raise error(f"could not send {outbound.text!r}")
        return await original_send(credentials, outbound)

    adapter.send = send  # type: ignore[method-assign]


async def stored_errors(sessions: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    async with sessions() as session:
        item = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert item is not None
        assert item.status == "failed"
        failed = await session.get(Message, item.message_id)
        assert failed is not None
    assert item.last_error is not None
    assert failed.error is not None
    return item.last_error, failed.error


async def test_a_crashing_send_is_recorded_by_its_class_not_its_message(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    quoting(adapter, RuntimeError)
    await run_turn(settings, sessions, demo, adapter)
    for error in await stored_errors(sessions):
        assert "RuntimeError at bot/pipeline/outbox.py:" in error
        assert QUOTED not in error


async def test_a_reply_the_adapter_refuses_is_recorded_by_its_class_not_its_message(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    quoting(adapter, ValueError)
    await run_turn(settings, sessions, demo, adapter)
    for error in await stored_errors(sessions):
        assert error.startswith("cannot be sent: ValueError at bot/pipeline/outbox.py:")
        assert QUOTED not in error
