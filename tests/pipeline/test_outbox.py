"""The outbox: long replies split in order, retries of retryable failures, permanent failures recorded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import PermanentSendFailure, split_text
from bot.config import Settings
from bot.engine.types import Decision, Ports, Reply, Turn
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from storage.models import Message, OutboxItem
from tests.pipeline.test_pipeline import console_ids, settled
from tests.support.doubles import RecordingAdapter, message, retryable, wait_until

LONG_REPLY = " ".join(f"word{i:04d}" for i in range(700))  # 6,299 characters


class LongEngine:
    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        return Decision(route="fallback", replies=(Reply(LONG_REPLY), Reply("and one more thing")))


async def run_turn(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    demo: DemoReport,
    adapter: RecordingAdapter,
) -> None:
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": adapter}, engine=LongEngine())
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("hana", "tell me everything")])
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await runtime.close()


async def test_a_long_reply_is_split_on_word_boundaries_and_delivered_in_order(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=2000)
    await run_turn(settings, sessions, demo, adapter)
    texts = [o.text for o in adapter.sent]
    assert len(texts) == 5
    assert all(len(t) <= 2000 for t in texts)
    assert " ".join(texts[:4]) == LONG_REPLY
    assert texts[4] == "and one more thing"
    assert len({o.dedupe_key for o in adapter.sent}) == 5


def flaky(adapter: RecordingAdapter, failing_calls: set[int]) -> None:
    """Make the adapter refuse (retryably) on the given call numbers, counting from 1."""
    original_send = adapter.send
    calls = 0

    async def send(credentials, outbound):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls in failing_calls:
            raise retryable()
        return await original_send(credentials, outbound)

    adapter.send = send  # type: ignore[method-assign]


async def test_a_brief_refusal_is_retried_in_place(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=2000)
    flaky(adapter, {2, 3})  # the second part is refused twice, then accepted
    await run_turn(settings, sessions, demo, adapter)
    texts = [o.text for o in adapter.sent]
    assert " ".join(texts[:4]) == LONG_REPLY
    assert len(texts) == 5
    async with sessions() as session:
        first = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert first is not None
        assert (first.status, first.attempts) == ("sent", 1)


async def test_a_longer_outage_mid_reply_resumes_without_repeating_parts(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=2000)
    flaky(adapter, {2, 3, 4})  # outlasts the in-place retries: back to the queue, then resumed
    await run_turn(settings, sessions, demo, adapter)
    texts = [o.text for o in adapter.sent]
    assert " ".join(texts[:4]) == LONG_REPLY
    assert len(texts) == 5
    async with sessions() as session:
        first = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert first is not None
        assert (first.status, first.attempts, first.parts_sent) == ("sent", 2, 4)


async def test_a_permanent_failure_marks_the_message_failed_and_the_next_reply_still_goes(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    adapter.failures.append(
        PermanentSendFailure("outside the messaging window", code="131047", window_closed=True)
    )
    await run_turn(settings, sessions, demo, adapter)
    assert [o.text for o in adapter.sent] == ["and one more thing"]
    async with sessions() as session:
        failed = await session.scalar(select(Message).where(Message.role == "assistant").order_by(Message.id))
        assert failed is not None
        assert failed.status == "failed"
        assert failed.error == "131047: outside the messaging window"
        assert failed.failure_reason == "window_closed"


async def test_retryable_failures_give_up_after_the_configured_attempts(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    # Each delivery attempt retries in place three times before giving the row back to the queue.
    adapter.failures.extend(retryable(f"down {i}") for i in range(settings.outbox_max_attempts * 3))
    await run_turn(settings, sessions, demo, adapter)
    async with sessions() as session:
        first = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert first is not None
        assert first.status == "failed"
        assert first.last_error is not None
        assert first.last_error.startswith(f"gave up after {settings.outbox_max_attempts} attempts")
    assert [o.text for o in adapter.sent] == ["and one more thing"]


def test_split_text_prefers_line_breaks_and_cuts_overlong_words() -> None:
    assert split_text("alpha beta\ngamma delta", 12) == ["alpha beta", "gamma delta"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("  short  ", 100) == ["short"]
    assert split_text("", 10) == []


@given(
    text=st.text(alphabet=st.sampled_from("ab c\n"), max_size=300),
    limit=st.integers(min_value=1, max_value=40),
)
def test_split_text_keeps_every_word_and_respects_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


async def test_a_reply_the_adapter_cannot_express_fails_instead_of_blocking_the_conversation(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    original_send = adapter.send

    async def refuse_long(credentials, outbound):  # type: ignore[no-untyped-def]
        if len(outbound.text) > 1000:
            raise ValueError("choices do not fit")
        return await original_send(credentials, outbound)

    adapter.send = refuse_long  # type: ignore[method-assign]
    await run_turn(settings, sessions, demo, adapter)
    assert [o.text for o in adapter.sent] == ["and one more thing"]  # the next reply was not held up
    async with sessions() as session:
        first = await session.scalar(select(Message).where(Message.role == "assistant").order_by(Message.id))
        assert first is not None
        assert (first.status, first.failure_reason) == ("failed", "rejected")


async def test_an_adapter_that_crashes_is_retried_then_given_up(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    adapter = RecordingAdapter(max_text_length=10_000)
    original_send = adapter.send

    async def crash_on_long(credentials, outbound):  # type: ignore[no-untyped-def]
        if len(outbound.text) > 1000:
            raise RuntimeError("adapter bug")
        return await original_send(credentials, outbound)

    adapter.send = crash_on_long  # type: ignore[method-assign]
    await run_turn(settings, sessions, demo, adapter)
    async with sessions() as session:
        first = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        assert first is not None
        assert first.status == "failed"
        assert first.attempts == settings.outbox_max_attempts
    assert [o.text for o in adapter.sent] == ["and one more thing"]
