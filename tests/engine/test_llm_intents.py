"""The optional LLM intent scorer: structured output from a cheap model, the local scorer as safety net."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from google import genai
from google.genai import types

from bot.engine.intents.llm_scorer import GeminiIntentScorer
from bot.engine.intents.scorer import IntentScorer
from bot.engine.types import IntentDefinition
from tests.fakes.gemini import FakeGemini

WHOLESALE = IntentDefinition("wholesale", ("do you sell to cafes", "bulk beans for my shop"))


@pytest.fixture
async def scorer_and_fake() -> AsyncIterator[tuple[GeminiIntentScorer, FakeGemini]]:
    fake = FakeGemini(api_key="fake-key")
    await fake.start()
    client = genai.Client(
        api_key="fake-key",
        http_options=types.HttpOptions(
            base_url=fake.base_url, api_version="v1beta", retry_options=types.HttpRetryOptions(attempts=1)
        ),
    )
    try:
        yield GeminiIntentScorer(client, "gemini-2.5-flash-lite", IntentScorer(), timeout_seconds=0.5), fake
    finally:
        await client.aio.aclose()
        await fake.close()


async def test_the_model_answer_is_used_when_it_fits_the_schema(
    scorer_and_fake: tuple[GeminiIntentScorer, FakeGemini],
) -> None:
    scorer, fake = scorer_and_fake
    answer = {"intent": "wholesale", "intent_score": 0.93, "sentiment": "positive", "sentiment_score": 0.4}
    fake.reply_text(json.dumps(answer), prompt_tokens=412, completion_tokens=23)
    result = await scorer.score("we run three cafes and want beans every week", (WHOLESALE,))
    # What the call used, for the turn's meter.
    assert (result.model, result.model_failed, result.prompt_tokens, result.completion_tokens) == (
        "gemini-2.5-flash-lite",
        False,
        412,
        23,
    )
    assert (result.intent, result.intent_score, result.sentiment, result.sentiment_score) == (
        "wholesale",
        0.93,
        "positive",
        0.4,
    )
    body = fake.last_body()
    config = body.get("generationConfig") or body.get("generation_config")
    assert (
        config["responseMimeType" if "responseMimeType" in config else "response_mime_type"]
        == "application/json"
    )
    schema = json.dumps(config)
    assert '"wholesale"' in schema  # the tenant's intent is one of the allowed answers
    assert fake.requests[-1].model == "gemini-2.5-flash-lite"


@pytest.mark.parametrize(
    "step",
    ["garbage", "outside the schema", "server error", "dropped connection", "no answer"],
)
async def test_any_failure_falls_back_to_the_local_scorer(
    scorer_and_fake: tuple[GeminiIntentScorer, FakeGemini], step: str
) -> None:
    scorer, fake = scorer_and_fake
    if step == "garbage":
        fake.reply_text("I think it is about coffee")
    elif step == "outside the schema":
        fake.reply_text(
            json.dumps({"intent": "teleport", "intent_score": 1, "sentiment": "joy", "sentiment_score": 2})
        )
    elif step == "server error":
        fake.fail(status=503)
    elif step == "dropped connection":
        fake.drop_connection()
    else:
        fake.hang()
    text = "this is the third time my order arrived broken, awful"
    result = await scorer.score(text)
    assert replace(result, model=None, model_failed=False, prompt_tokens=0, completion_tokens=0) == (
        IntentScorer().score(text)
    )
    assert result.intent == "complaint"
    # The model was asked and failed: the meter logs what its API reported, and charges nothing.
    assert (result.model, result.model_failed) == ("gemini-2.5-flash-lite", True)
    answered = step in ("garbage", "outside the schema")
    assert (result.prompt_tokens, result.completion_tokens) == ((20, 8) if answered else (0, 0))


async def test_empty_text_never_calls_the_model(
    scorer_and_fake: tuple[GeminiIntentScorer, FakeGemini],
) -> None:
    scorer, fake = scorer_and_fake
    result = await scorer.score("   ")
    assert fake.count == 0
    assert result.intent == "other"
    assert (result.model, result.prompt_tokens, result.completion_tokens) == (None, 0, 0)


async def test_the_local_scorer_reads_for_free() -> None:
    result = IntentScorer().score("do you sell to cafes")
    assert (result.model, result.model_failed, result.prompt_tokens, result.completion_tokens) == (
        None,
        False,
        0,
        0,
    )
