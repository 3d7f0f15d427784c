"""Test doubles for the runtime: a recording platform adapter and an engine that echoes slowly."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.base import Inbound, Outbound, Platform, RetryableSendFailure, SendFailed, SendResult
from bot.engine.types import Decision, Ports, Reply, Turn


@dataclass
class RecordingAdapter:
    """Records what would go to the platform; scripted failures are raised before recording."""

    platform: Platform = Platform.CONSOLE
    max_text_length: int = 4096
    sent: list[Outbound] = field(default_factory=list)
    failures: list[SendFailed] = field(default_factory=list)

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(outbound)
        return SendResult(platform_message_ids=(f"out-{outbound.dedupe_key}",))


def retryable(message: str = "try later") -> RetryableSendFailure:
    return RetryableSendFailure(message, code="503", retry_after=0.0)


@dataclass
class EchoEngine:
    """Answers 'echo: <text>' after a short random pause, counting its calls per inbound text."""

    max_pause: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)

    async def decide(self, turn: Turn, ports: Ports) -> Decision:
        text = turn.inbound.text or ""
        self.calls[text] = self.calls.get(text, 0) + 1
        if self.max_pause:
            await asyncio.sleep(random.uniform(0, self.max_pause))
        return Decision(route="fallback", replies=(Reply(f"echo: {text}"),))


def message(user: str, text: str, event_id: str | None = None) -> Inbound:
    event_id = event_id or f"{user}:{text}"
    return Inbound(
        platform=Platform.CONSOLE,
        event_id=event_id,
        conversation_key=user,
        sender_id=user,
        sent_at=datetime.now(UTC),
        text=text,
        platform_message_id=f"mid-{event_id}",
    )


async def wait_until(predicate: object, timeout: float = 20.0, interval: float = 0.02) -> None:
    """Poll an async predicate until it is true; fail the test with a clear message on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
