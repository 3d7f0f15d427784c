"""Gemini through google-genai's async client: manual function calling, bounded history, one retry layer.

The model's turns are appended to the request verbatim, so thought signatures survive tool rounds. At
most ``bot.max_tool_rounds`` rounds of tool calls run; after that the model is asked for a final answer
with tools switched off. Errors worth retrying (408, 429 honouring ``retryDelay``, 5xx, and every transport
error) are retried by tenacity within a total time budget, each attempt's timeout cut to what is left of it;
anything else, a safety block, a malformed function call or an exhausted budget gives the fallback reply,
costs no credits, and may hand over.

Transport errors: google-genai raises whatever its HTTP library raises (``aiohttp.ClientError`` subclasses
such as ``ServerDisconnectedError`` or ``ClientPayloadError``, timeouts, ``httpx`` errors without aiohttp),
and many of those are neither ``OSError`` nor ``TimeoutError``. The engine may not import those libraries,
so any exception of the client call that is not an ``errors.APIError`` counts as a transport failure.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import certifi
from google import genai
from google.genai import errors, types
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay

import prompts
from bot.backoff import backoff_seconds
from bot.engine.handoff_rules import handoff_replies
from bot.engine.history import history_window
from bot.engine.render import render, turn_values
from bot.engine.tools.builtin import default_registry
from bot.engine.tools.registry import ToolContext, ToolRegistry, TurnEffects
from bot.engine.types import Decision, HandoffBriefing, KnowledgeHit, Ports, Reply, Turn

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
SUMMARY_MAX_TOKENS = 256
SUMMARY_DEADLINE_SECONDS = 8.0
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# Finish reasons after which the candidate's text (if any) is still a usable answer.
USABLE_FINISH = frozenset({"STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED"})


@dataclass(frozen=True)
class GeminiOptions:
    api_key: str
    model: str = "gemini-2.5-flash"
    base_url: str | None = None
    api_version: str = "v1beta"
    request_timeout_seconds: float = 30.0
    total_budget_seconds: float = 45.0
    max_attempts: int = 4
    history_token_budget: int = 2000
    knowledge_entries: int = 3
    public_url: str = "http://127.0.0.1:8080"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context google-genai would make for each transport (certifi's roots, or SSL_CERT_FILE /
    SSL_CERT_DIR), made once per process."""
    return ssl.create_default_context(
        cafile=os.environ.get("SSL_CERT_FILE", certifi.where()), capath=os.environ.get("SSL_CERT_DIR")
    )


class LLMFailure(Exception):
    """The model gave no usable answer (blocked, malformed call, errors past the budget)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GeminiProvider:
    def __init__(self, options: GeminiOptions, registry: ToolRegistry | None = None) -> None:
        self._options = options
        self._registry = registry or default_registry()
        self._client = genai.Client(
            api_key=options.api_key,
            http_options=types.HttpOptions(
                base_url=options.base_url,
                api_version=options.api_version,
                timeout=int(options.request_timeout_seconds * 1000),
                # One retry layer only: ours (tenacity), which honours the server's retryDelay.
                retry_options=types.HttpRetryOptions(attempts=1),
                # The process's one TLS context for every transport the SDK builds (httpx for sync
                # calls, aiohttp for async ones, websockets): otherwise each loads the CA bundle again,
                # about 0.1 s per client.
                client_args={"verify": _tls_context()},
                async_client_args={"verify": _tls_context(), "ssl": _tls_context()},
            ),
        )

    @property
    def client(self) -> genai.Client:
        """The configured client, for other calls that share its endpoint and key (the intent scorer)."""
        return self._client

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    async def answer(self, turn: Turn, ports: Ports, knowledge: Sequence[KnowledgeHit]) -> Decision:
        started = time.monotonic()
        effects = TurnEffects()
        context = ToolContext(
            turn=turn, knowledge=ports.knowledge, effects=effects, public_url=self._options.public_url
        )
        model = turn.bot.model or self._options.model
        usage = _Usage()
        finish: str | None = None
        try:
            text, finish = await self._converse(turn, context, knowledge, model, usage)
        except LLMFailure as failure:
            log.warning("LLM turn failed for tenant %s: %s", turn.tenant_id, failure.reason)
            return _fallback(turn, effects, usage, model, failure.reason, started)
        handed_over = effects.handoff_reason is not None
        return Decision(
            route="llm",
            # The model's own words, then (when it handed over) the tenant's handoff message.
            replies=handoff_replies(turn, before=text) if handed_over else (Reply(text),),
            knowledge_entry_ids=tuple(
                dict.fromkeys([h.entry_id for h in knowledge] + effects.knowledge_entry_ids)
            ),
            prompt_tokens=usage.prompt,
            completion_tokens=usage.completion,
            latency_ms=int((time.monotonic() - started) * 1000),
            handoff_trigger="llm_tool" if handed_over else None,
            handoff_reason=effects.handoff_reason,
            tool_calls=tuple(effects.calls),
            lead_changes=tuple(effects.lead_changes),
            tracked_links=tuple(effects.tracked_links),
            model=model,
            finish_reason=finish,
        )

    async def summarize_handoff(self, turn: Turn, facts: str) -> HandoffBriefing:
        """The model's briefing for the agent (one attempt, a short deadline), with the tokens the API
        reported for it; no text on any failure (no tokens either when no response came back)."""
        history = "\n".join(f"{item.role}: {item.text}" for item in history_window(turn.history, 1000))
        conversation = f"{history}\nuser: {turn.inbound.text or ''}".strip()
        config = types.GenerateContentConfig(
            system_instruction=prompts.load("handoff_summary"),
            temperature=0.2,
            max_output_tokens=SUMMARY_MAX_TOKENS,
        )
        contents = [types.Content(role="user", parts=[types.Part(text=f"Notes:\n{facts}\n\n{conversation}")])]
        model = turn.bot.model or self._options.model
        try:
            async with asyncio.timeout(SUMMARY_DEADLINE_SECONDS):
                response = await self._client.aio.models.generate_content(
                    model=model, contents=contents, config=config
                )
        except Exception as exc:  # noqa: BLE001 - a briefing is a nicety: the stored facts stand in for it
            log.info("handoff summary from Gemini failed: %s", type(exc).__name__)
            return HandoffBriefing(text=None, model=model)
        usage = _Usage()
        usage.add(response)  # a blocked prompt still reports its prompt tokens
        text = (response.text or "").strip() if response.candidates else ""
        return HandoffBriefing(
            text=text or None, model=model, prompt_tokens=usage.prompt, completion_tokens=usage.completion
        )

    async def _converse(
        self, turn: Turn, context: ToolContext, knowledge: Sequence[KnowledgeHit], model: str, usage: _Usage
    ) -> tuple[str, str | None]:
        contents = _contents(turn, self._options.history_token_budget)
        declarations = self._registry.declarations(turn.bot.enabled_tools)
        config = types.GenerateContentConfig(
            system_instruction=system_instruction(turn, knowledge[: self._options.knowledge_entries]),
            temperature=turn.bot.temperature,
            max_output_tokens=turn.bot.max_output_tokens,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            tools=[types.Tool(function_declarations=[types.FunctionDeclaration(**d) for d in declarations])]
            if declarations
            else None,
        )
        deadline = time.monotonic() + self._options.total_budget_seconds
        for _round in range(turn.bot.max_tool_rounds + 1):
            last_round = _round == turn.bot.max_tool_rounds
            if last_round and declarations:
                # Enough tool rounds: ask for an answer with what the tools returned so far.
                config = config.model_copy(
                    update={"tool_config": types.ToolConfig(function_calling_config={"mode": "NONE"})}
                )
            response = await self._generate(model, contents, config, deadline)
            usage.add(response)
            candidate = _candidate(response)
            calls = (
                [p.function_call for p in candidate.content.parts or [] if p.function_call]
                if candidate.content
                else []
            )
            if calls and not last_round and candidate.content is not None:
                contents.append(candidate.content)  # verbatim: keeps thought signatures
                parts = []
                for call in calls:
                    result = await self._registry.execute(
                        call.name or "", call.args, context, turn.bot.enabled_tools
                    )
                    parts.append(
                        types.Part(
                            function_response=types.FunctionResponse(
                                id=call.id, name=call.name, response=dict(result)
                            )
                        )
                    )
                contents.append(types.Content(role="user", parts=parts))
                continue
            text = (
                "".join(p.text for p in (candidate.content.parts or []) if p.text)
                if candidate.content
                else ""
            )
            if not text.strip():
                raise LLMFailure(f"no text in the answer (finish reason {_finish_name(candidate)})")
            return text.strip(), _finish_name(candidate)
        raise LLMFailure("tool rounds exhausted")

    async def _generate(
        self, model: str, contents: list[types.Content], config: types.GenerateContentConfig, deadline: float
    ) -> types.GenerateContentResponse:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMFailure("time budget spent")
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._options.max_attempts) | stop_after_delay(remaining),
            wait=_wait_for(deadline),
            retry=retry_if_exception(_retryable),
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._client.aio.models.generate_content(
                        model=model, contents=contents, config=self._within(config, deadline)
                    )
        except LLMFailure:
            raise
        except errors.APIError as exc:
            raise LLMFailure(f"Gemini error {exc.code} {exc.status}") from exc
        except Exception as exc:
            # A transport failure (see the module's docstring); answer() logs the reason. The class name
            # only: a transport error's message may carry the URL or the request.
            raise LLMFailure(f"Gemini unreachable: {type(exc).__name__}") from exc
        raise LLMFailure("no attempt made")

    def _within(self, config: types.GenerateContentConfig, deadline: float) -> types.GenerateContentConfig:
        """The config with this attempt's timeout: the request timeout, cut to what is left of the budget."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMFailure("time budget spent")
        seconds = min(self._options.request_timeout_seconds, remaining)
        timeout = types.HttpOptions(timeout=max(int(seconds * 1000), 1))
        return config.model_copy(update={"http_options": timeout})


def reported_tokens(response: types.GenerateContentResponse) -> tuple[int, int]:
    """The prompt and completion tokens a response says its request used (0 where it says nothing)."""
    meta = response.usage_metadata
    if meta is None:
        return 0, 0
    return meta.prompt_token_count or 0, meta.candidates_token_count or 0


class _Usage:
    def __init__(self) -> None:
        self.prompt = 0
        self.completion = 0

    def add(self, response: types.GenerateContentResponse) -> None:
        prompt, completion = reported_tokens(response)
        self.prompt += prompt
        self.completion += completion


def system_instruction(turn: Turn, knowledge: Sequence[KnowledgeHit]) -> str:
    """The system prompt: house rules, the bot's persona, tool rules, the tenant's best-matching entries.

    The customer's text never goes here; it travels only as a user turn.
    """
    values: dict[str, str | None] = {**turn_values(turn), "persona": turn.bot.persona or ""}
    text = render(prompts.load("system"), values)
    if turn.bot.enabled_tools:
        text += "\n\n" + render(prompts.load("tool_rules"), values)
    if knowledge:
        entries = "\n\n".join(f"Q: {hit.question}\nA: {hit.answer}" for hit in knowledge)
        text += "\n\nKnowledge base entries that may help:\n\n" + entries
    return text


def _contents(turn: Turn, budget_tokens: int) -> list[types.Content]:
    contents: list[types.Content] = []
    for item in history_window(turn.history, budget_tokens):
        role = "user" if item.role == "user" else "model"
        if contents and contents[-1].role == role and contents[-1].parts:
            contents[-1].parts.append(types.Part(text=item.text))
        else:
            contents.append(types.Content(role=role, parts=[types.Part(text=item.text)]))
    text = (turn.inbound.text or "").strip() or "(the customer sent a message without text)"
    if contents and contents[-1].role == "user" and contents[-1].parts:
        contents[-1].parts.append(types.Part(text=text))
    else:
        contents.append(types.Content(role="user", parts=[types.Part(text=text)]))
    return contents


def _candidate(response: types.GenerateContentResponse) -> types.Candidate:
    if not response.candidates:
        feedback = response.prompt_feedback
        reason = feedback.block_reason if feedback is not None else None
        raise LLMFailure(f"prompt blocked ({reason})")
    candidate = response.candidates[0]
    finish = _finish_name(candidate)
    if finish is not None and finish not in USABLE_FINISH:
        raise LLMFailure(f"finish reason {finish}")
    return candidate


def _finish_name(candidate: types.Candidate) -> str | None:
    reason = candidate.finish_reason
    if reason is None:
        return None
    return str(reason.value if hasattr(reason, "value") else reason)


def _retryable(exc: BaseException) -> bool:
    """408, 429 and 5xx answers, and every transport failure; never our own LLMFailure or a cancellation."""
    if isinstance(exc, errors.APIError):
        return exc.code in RETRYABLE_STATUS
    return isinstance(exc, Exception) and not isinstance(exc, LLMFailure)


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    what = (
        f"{failure.code} {failure.status}" if isinstance(failure, errors.APIError) else type(failure).__name__
    )
    log.info("Gemini attempt %d failed (%s); retrying", state.attempt_number, what)


def _wait_for(deadline: float) -> Any:
    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        delay = retry_delay(failure) if failure is not None else None
        if delay is None:
            delay = backoff_seconds(state.attempt_number, FIRST_BACKOFF_SECONDS, cap=MAX_BACKOFF_SECONDS)
        # Never sleep past the budget: a wait that would is the end of trying.
        remaining = deadline - time.monotonic()
        if delay >= remaining:
            raise LLMFailure("retry delay exceeds the time budget")
        return delay

    return wait


def retry_delay(failure: BaseException) -> float | None:
    """The server's RetryInfo.retryDelay (e.g. "22s") from a 429, in seconds."""
    if not isinstance(failure, errors.APIError) or not isinstance(failure.details, dict):
        return None
    error = failure.details.get("error", failure.details)
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _fallback(
    turn: Turn, effects: TurnEffects, usage: _Usage, model: str, reason: str, started: float
) -> Decision:
    trigger: str | None
    handoff_reason: str | None
    if turn.bot.handoff_on_llm_failure:
        trigger, handoff_reason = "fallback", "llm_failure"
    elif effects.handoff_reason is not None:
        trigger, handoff_reason = "llm_tool", effects.handoff_reason
    else:
        trigger = handoff_reason = None
    if trigger is not None:
        replies = handoff_replies(turn)
    else:
        replies = (Reply(render(turn.bot.fallback_text or prompts.load("fallback"), turn_values(turn))),)
    return Decision(
        route="handoff" if trigger else "fallback",
        replies=replies,
        prompt_tokens=usage.prompt,
        completion_tokens=usage.completion,
        latency_ms=int((time.monotonic() - started) * 1000),
        consecutive_fallbacks=turn.conversation.consecutive_fallbacks + 1,
        handoff_trigger=trigger,
        handoff_reason=handoff_reason,
        tool_calls=tuple(effects.calls),
        model=model,
        finish_reason=reason,
        llm_failed=True,
    )
