"""The turn's metrics: a turn that fails is counted by its error class, then once more when it succeeds."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.engine.types import Decision, Ports, Reply, Turn
from bot.runtime import build_runtime
from bot.tenancy.demo.seed import DemoReport
from tests.pipeline.test_pipeline import console_ids, settled
from tests.support.doubles import RecordingAdapter, message, wait_until


class FlakyEngineError(Exception):
    """What the engine double raises the first time."""


@dataclass
class FailsOnce:
    calls: int = 0

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        self.calls += 1
        if self.calls == 1:
            raise FlakyEngineError("first attempt")
        return Decision(route="fallback", replies=(Reply("sorry, say that again?"),))


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_failed_attempt_and_the_retry_that_answers_are_both_counted(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    failed = sample("chatbot_events_failed_total", error="FlakyEngineError")
    processed = sample("chatbot_events_processed_total", route="fallback")
    sends = sample("chatbot_outbound_sends_total", platform="console", result="sent", error="none")
    tenant_id, channel_id = await console_ids(sessions, demo)
    runtime = build_runtime(settings, adapters={"console": RecordingAdapter()}, engine=FailsOnce())
    runtime.start()
    try:
        await runtime.inbox.accept(tenant_id, channel_id, [message("ida", "hm")])
        await wait_until(lambda: settled(sessions, 1))
    finally:
        await runtime.close()

    assert sample("chatbot_events_failed_total", error="FlakyEngineError") - failed == 1
    assert sample("chatbot_events_processed_total", route="fallback") - processed == 1
    assert (
        sample("chatbot_outbound_sends_total", platform="console", result="sent", error="none") - sends == 1
    )
    assert sample("chatbot_turns_in_progress") == 0
