"""Optional intent and sentiment scoring by a cheap Gemini model with structured output.

The local scorer stays the safety net: any error, timeout or answer outside the schema returns the
local result, so scoring never fails a turn and never costs more than one short call. Every result
says what the call used (the model, the tokens its API reported, whether it failed), because the
call is metered with the turn like any other model call (bot/billing/turn_credits.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from google import genai
from google.genai import types

from bot.engine.gemini import reported_tokens
from bot.engine.intents.scorer import BUILTIN_INTENTS, MAX_SCORED_CHARS, IntentResult, IntentScorer
from bot.engine.types import IntentDefinition

log = logging.getLogger(__name__)

SENTIMENTS = ("positive", "neutral", "negative")
INSTRUCTION = (
    "Classify the customer's message for a shop's support inbox. Choose the single best intent from the "
    "list, with a confidence from 0 to 1, and the message's sentiment with a score from -1 (very negative) "
    "to 1 (very positive). Answer only with the JSON object the schema describes.\n\nIntents:\n"
)


def response_schema(intent_names: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": list(intent_names)},
            "intent_score": {"type": "number", "minimum": 0, "maximum": 1},
            "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
            "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
        },
        "required": ["intent", "intent_score", "sentiment", "sentiment_score"],
    }


class GeminiIntentScorer:
    def __init__(
        self, client: genai.Client, model: str, local: IntentScorer, timeout_seconds: float = 5.0
    ) -> None:
        self._client = client
        self._model = model
        self._local = local
        self._timeout_ms = int(timeout_seconds * 1000)

    async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
        local = self._local.score(text, tenant_intents)
        if not text.strip():
            return local
        names = [*BUILTIN_INTENTS, *(i.name for i in tenant_intents if i.name not in BUILTIN_INTENTS)]
        described = "\n".join(
            f"- {name}: e.g. " + "; ".join(_examples(name, tenant_intents)[:3]) for name in names
        )
        config = types.GenerateContentConfig(
            system_instruction=INSTRUCTION + described,
            temperature=0.0,
            max_output_tokens=128,
            response_mime_type="application/json",
            response_json_schema=response_schema(names),
            http_options=types.HttpOptions(timeout=self._timeout_ms),
        )
        failed = replace(local, model=self._model, model_failed=True)
        try:
            response = await self._client.aio.models.generate_content(
                model=self._model, contents=text[:MAX_SCORED_CHARS], config=config
            )
        except Exception as exc:  # noqa: BLE001 - any failure: the local scorer already answered
            log.info("LLM intent scoring failed (%s); using the local scorer", type(exc).__name__)
            return failed
        prompt, completion = reported_tokens(response)
        try:
            reading = _parse(response.text or "", names)
        except Exception as exc:  # noqa: BLE001 - an answer outside the schema: the local scorer's stands
            log.info("LLM intent scoring failed (%s); using the local scorer", type(exc).__name__)
            # What the API reported is still what the call used: it is logged, though never charged.
            return replace(failed, prompt_tokens=prompt, completion_tokens=completion)
        return replace(reading, model=self._model, prompt_tokens=prompt, completion_tokens=completion)


def _examples(name: str, tenant_intents: Sequence[IntentDefinition]) -> list[str]:
    for intent in tenant_intents:
        if intent.name == name:
            return list(intent.examples)
    return list(BUILTIN_INTENTS.get(name, ()))


def _parse(raw: str, names: Sequence[str]) -> IntentResult:
    data = json.loads(raw)
    intent, sentiment = data["intent"], data["sentiment"]
    if intent not in names or sentiment not in SENTIMENTS:
        raise ValueError(f"answer outside the schema: {intent!r}, {sentiment!r}")
    return IntentResult(
        intent=intent,
        intent_score=min(max(float(data["intent_score"]), 0.0), 1.0),
        sentiment=sentiment,
        sentiment_score=min(max(float(data["sentiment_score"]), -1.0), 1.0),
    )
