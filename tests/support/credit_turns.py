"""Turns through the whole pipeline against the fake Gemini, for the credit tests: a runtime with the real
google-genai client (and, if asked, the model reading the intent), customers' messages taken to the end,
and what the turns logged and charged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.base import Inbound
from bot.config import Settings
from bot.engine.gemini import GeminiOptions, GeminiProvider
from bot.engine.intents.llm_scorer import GeminiIntentScorer
from bot.engine.router import shared_scorer
from bot.runtime import Runtime, build_runtime
from storage.models import UsageLog
from tests.fakes.gemini import FakeGemini
from tests.pipeline.test_pipeline import settled
from tests.support.credits import account
from tests.support.doubles import RecordingAdapter, wait_until


def provider(gemini: FakeGemini) -> GeminiProvider:
    return GeminiProvider(
        GeminiOptions(api_key="fake-key", base_url=gemini.base_url, total_budget_seconds=8.0)
    )


@asynccontextmanager
async def running(
    settings: Settings,
    gemini: FakeGemini,
    adapter: RecordingAdapter,
    *,
    intent_model: str | None = None,
    **options: object,
) -> AsyncIterator[Runtime]:
    """A started runtime answering on the console through ``adapter``; with ``intent_model``, that model
    reads each message's intent over the same client as the answers."""
    llm = provider(gemini)
    intents = None if intent_model is None else GeminiIntentScorer(llm.client, intent_model, shared_scorer())
    runtime = build_runtime(
        settings,
        adapters={"console": adapter},
        llm=llm,
        intents=intents,
        **options,  # type: ignore[arg-type]
    )
    runtime.start()
    try:
        yield runtime
    finally:
        await runtime.close()


async def take_turns(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    gemini: FakeGemini,
    tenant: tuple[int, int],
    messages: Sequence[Inbound],
    **options: object,
) -> RecordingAdapter:
    """The tenant's console gets ``messages`` and a runtime (``running``'s options) takes each to its end;
    what went out is in the adapter returned."""
    tenant_id, channel_id = tenant
    adapter = RecordingAdapter()
    async with running(settings, gemini, adapter, **options) as runtime:  # type: ignore[arg-type]
        await runtime.inbox.accept(tenant_id, channel_id, list(messages))
        await wait_until(lambda: settled(sessions, len(messages)))
    return adapter


async def usage(sessions: async_sessionmaker[AsyncSession], usage_type: str | None = None) -> list[UsageLog]:
    """The usage rows (of ``usage_type``, if given), oldest first."""
    query = select(UsageLog).order_by(UsageLog.id)
    if usage_type is not None:
        query = query.where(UsageLog.usage_type == usage_type)
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def assert_balance(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int, balance: int, reserved: int = 0
) -> None:
    after = await account(sessions, tenant_id)
    assert (after.balance, after.reserved) == (balance, reserved)
