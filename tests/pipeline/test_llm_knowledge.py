"""The model sees the entries the offline engine would pick: a paraphrased question puts the right
knowledge entry into the system instruction, and the search_knowledge_base tool finds it the same way
(one knowledge port for both), with the tenant's own synonyms. The real google-genai client against
the fake Gemini, through the whole pipeline."""

from __future__ import annotations

from storage.config_versions import bump_config_versions
from storage.models import Tenant, ToolCall
from tests.pipeline.test_llm_turns import Chat, chat, system_of

__all__ = ["chat"]  # the fixture, shared with the other LLM conversations

KNOWLEDGE_HEADING = "Knowledge base entries that may help:"


def knowledge_questions(system: str) -> list[str]:
    """The questions of the entries in the system instruction's knowledge section, in order."""
    _, _, section = system.partition(KNOWLEDGE_HEADING)
    return [line[3:] for line in section.splitlines() if line.startswith("Q: ")]


async def test_a_paraphrased_question_brings_the_right_entry_to_the_model(chat: Chat) -> None:
    chat.gemini.reply_text("Yes - we ship to Germany; it takes 5-10 business days.")

    assert await chat.say("could you post a bag to my sister in Berlin?") == [
        "Yes - we ship to Germany; it takes 5-10 business days."
    ]

    questions = knowledge_questions(system_of(chat.gemini.requests[0].body))
    assert questions[0] == "Do you ship internationally?"


async def test_the_email_question_shows_the_model_the_email_entry_first(chat: Chat) -> None:
    chat.gemini.reply_text("Write to hello@democoffee.example.")

    await chat.say("what's your email address")

    questions = knowledge_questions(system_of(chat.gemini.requests[0].body))
    assert questions[0] == "How can I contact you by email?"


async def test_the_search_tool_reads_paraphrases_and_the_tenants_synonyms(chat: Chat) -> None:
    async with chat.sessions.begin() as session:
        tenant = await session.get(Tenant, chat.tenant_id)
        assert tenant is not None
        tenant.settings = {**(tenant.settings or {}), "synonyms": {"loyalty": ["coffee passport"]}}
        await bump_config_versions(session, None)
    chat.gemini.reply_function_call("search_knowledge_base", {"query": "coffee passport"})
    chat.gemini.reply_text("Every $1 earns a Bean Point.")

    await chat.say("how does the coffee passport thing work?")

    (call,) = await chat.rows(ToolCall)
    assert call.result is not None
    best = call.result["results"][0]
    assert best["question"] == "How do loyalty points work?"
    assert best["score"] >= 0.35
    # The same entry was already in the system instruction: one search, two ways to reach it.
    assert knowledge_questions(system_of(chat.gemini.requests[0].body))[0] == "How do loyalty points work?"
