"""Wrappers that time and count what crosses the runtime's edges: the LLM, the intent scorer, platform sends.

The engine stays pure (it imports no metrics); the runtime wraps the ports it hands the engine and the
adapters it hands the outbox, so every call is measured whichever provider or platform is behind it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from adapters.base import (
    Adapter,
    Outbound,
    PermanentSendFailure,
    RetryableSendFailure,
    SendFailed,
    SendResult,
)
from bot.engine.types import (
    Decision,
    HandoffBriefing,
    IntentDefinition,
    IntentPort,
    IntentResult,
    KnowledgeHit,
    LLMProvider,
    Ports,
    Turn,
)
from bot.observability.runtime_metrics import record_llm_call, record_llm_tokens, record_send

# Errors that pass through these wrappers are located where they were raised (bot.errors).
_transparent_to_errors = True

# Platform error codes worth a label of their own ("190", "10/2018278", "timeout", "transport"); anything
# else a platform (or a proxy in front of it) might answer is "other", so labels stay few.
_CODE = re.compile(r"\d{1,6}(/\d{1,9})?|[a-z_]{1,32}")


class ClosableProvider(LLMProvider, Protocol):
    async def aclose(self) -> None: ...


class MeasuredLLM:
    """An LLM provider whose calls are timed and whose tokens and failures are counted."""

    def __init__(self, inner: ClosableProvider) -> None:
        self._inner = inner

    async def answer(self, turn: Turn, ports: Ports, knowledge: Sequence[KnowledgeHit]) -> Decision:
        started = time.perf_counter()
        try:
            decision = await self._inner.answer(turn, ports, knowledge)
        except Exception:
            record_llm_call("answer", time.perf_counter() - started, failed=True)
            raise
        record_llm_call("answer", time.perf_counter() - started, failed=decision.llm_failed)
        record_llm_tokens(decision.prompt_tokens, decision.completion_tokens)
        return decision

    async def summarize_handoff(self, turn: Turn, facts: str) -> HandoffBriefing:
        started = time.perf_counter()
        try:
            briefing = await self._inner.summarize_handoff(turn, facts)
        except Exception:
            record_llm_call("summary", time.perf_counter() - started, failed=True)
            raise
        record_llm_call("summary", time.perf_counter() - started, failed=briefing.text is None)
        record_llm_tokens(briefing.prompt_tokens, briefing.completion_tokens)
        return briefing

    async def aclose(self) -> None:
        await self._inner.aclose()


class MeasuredIntents:
    """An intent scorer whose model calls are timed and their tokens counted (it answers from the local
    scorer when its model fails, which counts as the call's error)."""

    def __init__(self, inner: IntentPort) -> None:
        self._inner = inner

    async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
        started = time.perf_counter()
        try:
            result = await self._inner.score(text, tenant_intents)
        except Exception:
            record_llm_call("intent", time.perf_counter() - started, failed=True)
            raise
        if result.model is not None:  # an empty message is read locally: no model call to count
            record_llm_call("intent", time.perf_counter() - started, failed=result.model_failed)
            record_llm_tokens(result.prompt_tokens, result.completion_tokens)
        return result


class MeasuredAdapter:
    """A platform adapter whose sends are counted by platform, outcome and error class."""

    def __init__(self, inner: Adapter) -> None:
        self._inner = inner
        self.platform = inner.platform
        self.max_text_length = inner.max_text_length

    async def send(self, credentials: Mapping[str, str], outbound: Outbound) -> SendResult:
        platform = self.platform.value
        try:
            result = await self._inner.send(credentials, outbound)
        except RetryableSendFailure as exc:
            record_send(platform, "retryable", _error_class(exc))
            raise
        except PermanentSendFailure as exc:
            record_send(platform, "permanent", _error_class(exc))
            raise
        except SendFailed as exc:
            record_send(platform, "retryable", _error_class(exc))
            raise
        except asyncio.CancelledError:
            # The outbox's deadline for one attempt (or a shutdown) cut the call off.
            record_send(platform, "cancelled", "timeout")
            raise
        except Exception as exc:
            record_send(platform, "crash", type(exc).__name__)
            raise
        record_send(platform, "sent")
        return result


def _error_class(exc: SendFailed) -> str:
    if isinstance(exc, PermanentSendFailure) and exc.window_closed:
        return "window_closed"
    if isinstance(exc, PermanentSendFailure) and exc.credentials_invalid:
        return "credentials"
    if exc.code and _CODE.fullmatch(exc.code):
        return exc.code
    return "other"


def measured_adapters(adapters: Mapping[str, Adapter]) -> dict[str, Adapter]:
    return {name: MeasuredAdapter(adapter) for name, adapter in adapters.items()}
