"""Fixtures of the credit tests through the whole pipeline (tests/pipeline/test_credit_turns.py and
tests/pipeline/test_intent_reading_credits.py): the fake Gemini and the demo tenant set up for LLM turns."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import gemini as gemini_module
from bot.tenancy.demo.seed import DEMO_TOOLS, DemoReport
from storage.config_versions import bump_config_versions
from storage.models import Bot
from tests.fakes.gemini import FakeGemini
from tests.pipeline.test_pipeline import console_ids
from tests.support.credits import set_subscription


@pytest.fixture
def quick_gemini_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gemini's retries a hundredth of a second apart (a module asks for it with ``usefixtures``)."""
    monkeypatch.setattr(gemini_module, "FIRST_BACKOFF_SECONDS", 0.01)


@pytest.fixture
async def gemini() -> AsyncIterator[FakeGemini]:
    fake = FakeGemini(api_key="fake-key")
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def tenant(sessions: async_sessionmaker[AsyncSession], demo: DemoReport) -> tuple[int, int]:
    """The demo tenant on the basic plan (no overage), its bot with the LLM's tools."""
    tenant_id, channel_id = await console_ids(sessions, demo)
    await set_subscription(sessions, tenant_id, plan="basic")
    async with sessions.begin() as session:
        await session.execute(update(Bot).values(enabled_tools=list(DEMO_TOOLS), max_output_tokens=256))
        await bump_config_versions(session, None)
    return tenant_id, channel_id
