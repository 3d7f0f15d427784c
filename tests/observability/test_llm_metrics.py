"""The LLM's metrics, from conversations through the whole pipeline with the real client and a fake Gemini."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import REGISTRY

from bot.engine.types import IntentDefinition, IntentResult
from bot.observability.measured_ports import MeasuredIntents
from tests.pipeline.test_llm_turns import Chat, chat, quick_gemini_retries

__all__ = ["chat", "quick_gemini_retries"]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_answer_counts_its_tokens_and_its_time(chat: Chat) -> None:
    prompt, completion = (
        sample("chatbot_llm_tokens_total", kind="prompt"),
        sample("chatbot_llm_tokens_total", kind="completion"),
    )
    calls = sample("chatbot_llm_seconds_count", call="answer")
    errors = sample("chatbot_llm_errors_total", call="answer")
    chat.gemini.reply_text("We roast every Monday and Thursday.", prompt_tokens=90, completion_tokens=11)

    await chat.say("when do you roast the beans?")

    assert sample("chatbot_llm_tokens_total", kind="prompt") - prompt == 90
    assert sample("chatbot_llm_tokens_total", kind="completion") - completion == 11
    assert sample("chatbot_llm_seconds_count", call="answer") - calls == 1
    assert sample("chatbot_llm_errors_total", call="answer") == errors


async def test_a_model_that_keeps_failing_counts_one_error_for_the_turn(chat: Chat) -> None:
    errors = sample("chatbot_llm_errors_total", call="answer")
    for _ in range(6):
        chat.gemini.fail(status=503)

    (reply,) = await chat.say("can I change my delivery address?")

    assert reply  # the fallback answered
    assert sample("chatbot_llm_errors_total", call="answer") - errors == 1


async def test_the_agents_briefing_counts_its_tokens_and_its_time(chat: Chat) -> None:
    prompt, completion = (
        sample("chatbot_llm_tokens_total", kind="prompt"),
        sample("chatbot_llm_tokens_total", kind="completion"),
    )
    calls = sample("chatbot_llm_seconds_count", call="summary")
    chat.gemini.reply_text("Lena wants a person about her order.", prompt_tokens=400, completion_tokens=30)

    await chat.say("can I talk to a real person please")

    assert sample("chatbot_llm_tokens_total", kind="prompt") - prompt == 400
    assert sample("chatbot_llm_tokens_total", kind="completion") - completion == 30
    assert sample("chatbot_llm_seconds_count", call="summary") - calls == 1


class ReadingScorer:
    """An intent scorer whose model read the text (or failed to: the local reading then stands)."""

    def __init__(self, *, failed: bool) -> None:
        self._failed = failed

    async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
        return IntentResult(
            "thanks",
            0.9,
            "positive",
            0.5,
            model="gemini-2.5-flash-lite",
            model_failed=self._failed,
            prompt_tokens=0 if self._failed else 410,
            completion_tokens=0 if self._failed else 21,
        )


async def test_the_intent_readings_tokens_and_failures_are_counted() -> None:
    prompt, completion = (
        sample("chatbot_llm_tokens_total", kind="prompt"),
        sample("chatbot_llm_tokens_total", kind="completion"),
    )
    calls, errors = (
        sample("chatbot_llm_seconds_count", call="intent"),
        sample("chatbot_llm_errors_total", call="intent"),
    )

    await MeasuredIntents(ReadingScorer(failed=False)).score("thanks a lot")
    await MeasuredIntents(ReadingScorer(failed=True)).score("thanks a lot")

    assert sample("chatbot_llm_tokens_total", kind="prompt") - prompt == 410
    assert sample("chatbot_llm_tokens_total", kind="completion") - completion == 21
    assert sample("chatbot_llm_seconds_count", call="intent") - calls == 2
    assert sample("chatbot_llm_errors_total", call="intent") - errors == 1
