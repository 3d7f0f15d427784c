"""Step 6 of the engine: the admission is asked right before the LLM; refused, the turn is still answered,
offline or by a person, by the bot's out_of_credits_action, and never with an error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import prompts
from bot.engine.render import render, turn_values
from bot.engine.router import Router
from bot.engine.types import (
    ADMITTED,
    CUSTOMER_FLOOD,
    FLOOD_NOTICE,
    Admission,
    BotSettings,
    Decision,
    HandoffBriefing,
    IntentDefinition,
    IntentReadingUsage,
    IntentResult,
    KnowledgeHit,
    Ports,
    Reply,
    Turn,
)
from tests.engine.test_router import PORTS, make_turn


class CountingLLM:
    def __init__(self, briefing: str | None = None) -> None:
        self.calls = 0
        self.briefings = 0
        self._briefing = briefing

    async def answer(self, turn: Turn, ports: Ports, knowledge: Sequence[KnowledgeHit]) -> Decision:
        self.calls += 1
        return Decision(route="llm", replies=(Reply("from the model"),), model="gemini-2.5-flash")

    async def summarize_handoff(self, turn: Turn, facts: str) -> HandoffBriefing:
        self.briefings += 1
        tokens = (310, 42) if self._briefing is not None else (0, 0)
        return HandoffBriefing(self._briefing, "gemini-2.5-flash", *tokens)


class Gate:
    def __init__(self, admission: Admission, reading: Admission = ADMITTED) -> None:
        self.admission = admission
        self.reading = reading
        self.asked = 0
        self.readings = 0

    async def admit(self, turn: Turn) -> Admission:
        self.asked += 1
        return self.admission

    async def admit_reading(self, turn: Turn) -> Admission:
        self.readings += 1
        return self.reading


class ModelScorer:
    """An intent scorer that calls a model: its reading says which, and what the call used."""

    def __init__(self) -> None:
        self.calls = 0

    async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
        self.calls += 1
        return IntentResult(
            "product_inquiry",
            0.91,
            "neutral",
            0.0,
            model="gemini-2.5-flash-lite",
            prompt_tokens=400,
            completion_tokens=20,
        )


OUT = Admission(False, "out_of_credits")


async def decide(text: str, gate: Gate, llm: CountingLLM, bot: BotSettings | None = None) -> Decision:
    ports = replace(PORTS, llm=llm, admission=gate)
    return await Router().decide(make_turn(text, bot=bot), ports)


async def test_an_admitted_turn_goes_to_the_model() -> None:
    llm, gate = CountingLLM(), Gate(Admission(True))
    decision = await decide("tell me about your sourdough", gate, llm)
    assert (decision.route, decision.llm_denied, llm.calls, gate.asked) == ("llm", None, 1, 1)


async def test_out_of_credits_the_customer_gets_the_knowledge_answer_without_the_model() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    decision = await decide("how much is delivery?", gate, llm)
    assert llm.calls == 0
    assert (decision.route, decision.llm_denied) == ("knowledge", "out_of_credits")
    assert decision.replies[0].text == "Delivery is free on orders over $30, otherwise it's $4."


async def test_out_of_credits_with_nothing_known_the_customer_gets_the_fallback_reply() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    decision = await decide("can you bake a cake shaped like a submarine", gate, llm)
    assert (decision.route, decision.llm_denied, llm.calls) == ("fallback", "out_of_credits", 0)
    fallback = render(prompts.load("fallback"), turn_values(make_turn("x")))
    assert [r.text for r in decision.replies] == [fallback]


async def test_out_of_credits_small_talk_nothing_else_answers_still_gets_its_template() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    decision = await decide("hellooo anyone around", gate, llm)
    assert (decision.route, decision.llm_denied, llm.calls) == ("template", "out_of_credits", 0)


async def test_out_of_credits_a_bot_set_to_hand_off_hands_the_conversation_to_a_person() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    bot = BotSettings(bot_id=3, name="Bea", out_of_credits_action="handoff")
    decision = await decide("how much is delivery?", gate, llm, bot=bot)
    assert llm.calls == 0
    assert (decision.route, decision.handoff_trigger, decision.handoff_reason) == (
        "handoff",
        "fallback",
        "out_of_credits",
    )
    assert decision.llm_denied == "out_of_credits"
    assert decision.handoff_summary is not None
    assert "out_of_credits" in decision.handoff_summary


async def test_a_template_answers_without_asking_for_credits() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    decision = await decide("what's the price?", gate, llm)
    assert (decision.route, gate.asked, llm.calls) == ("template", 0, 0)


async def test_a_rate_limit_refusal_takes_the_same_path_with_its_own_reason() -> None:
    llm, gate = CountingLLM(), Gate(Admission(False, "tenant_minute"))
    decision = await decide("where is the shop?", gate, llm)
    assert (decision.route, decision.llm_denied, llm.calls) == ("knowledge", "tenant_minute", 0)


async def test_a_flooding_customer_gets_the_notice_once_and_no_fallback_is_counted() -> None:
    llm, gate = CountingLLM(), Gate(Admission(False, FLOOD_NOTICE))
    decision = await decide("do you sell rocket ships??", gate, llm)
    notice = render(prompts.load("flood_notice"), turn_values(make_turn("x")))
    assert (decision.route, decision.llm_denied, llm.calls) == ("fallback", FLOOD_NOTICE, 0)
    assert [r.text for r in decision.replies] == [notice]
    assert decision.consecutive_fallbacks == make_turn("x").conversation.consecutive_fallbacks
    assert decision.handoff_trigger is None


async def test_later_messages_of_a_flood_get_a_confident_answer_or_nothing() -> None:
    llm, gate = CountingLLM(), Gate(Admission(False, CUSTOMER_FLOOD))
    known = await decide("how much is delivery?", gate, llm)
    assert (known.route, known.llm_denied) == ("knowledge", CUSTOMER_FLOOD)
    unknown = await decide("can you bake a cake shaped like a submarine", gate, llm)
    assert (unknown.route, unknown.replies, unknown.llm_denied, llm.calls) == (
        "silent",
        (),
        CUSTOMER_FLOOD,
        0,
    )
    bot = BotSettings(bot_id=3, name="Bea", out_of_credits_action="handoff")
    flooded = await decide("can you bake a cake shaped like a submarine", gate, llm, bot=bot)
    assert (flooded.route, flooded.handoff_trigger) == ("silent", None)  # a flood never hands over


async def test_a_rule_handoff_asks_the_gate_before_the_agents_briefing_and_carries_its_tokens() -> None:
    llm, gate = CountingLLM("Ana wants a person about her order."), Gate(Admission(True))
    decision = await decide("can I talk to a real person please", gate, llm)
    assert (decision.route, decision.handoff_trigger) == ("handoff", "customer_request")
    assert (gate.asked, llm.briefings, llm.calls) == (1, 1, 0)
    assert decision.handoff_summary == "Ana wants a person about her order."
    assert (decision.handoff_briefing, decision.llm_denied) == ("written", None)
    assert (decision.prompt_tokens, decision.completion_tokens, decision.model) == (
        310,
        42,
        "gemini-2.5-flash",
    )


async def test_out_of_credits_a_rule_handoff_goes_to_the_agent_with_the_facts_and_no_model_call() -> None:
    llm, gate = CountingLLM("never asked"), Gate(OUT)
    decision = await decide("can I talk to a real person please", gate, llm)
    assert (decision.route, decision.handoff_trigger) == ("handoff", "customer_request")
    assert (gate.asked, llm.briefings) == (1, 0)
    assert decision.handoff_summary is not None
    assert decision.handoff_summary.startswith("Handed over because")
    assert (decision.handoff_briefing, decision.llm_denied) == (None, "out_of_credits")
    assert (decision.prompt_tokens, decision.completion_tokens) == (0, 0)


async def test_over_the_rate_a_rule_handoff_still_hands_over_with_the_facts() -> None:
    llm, gate = CountingLLM("never asked"), Gate(Admission(False, "tenant_minute"))
    decision = await decide("can I talk to a real person please", gate, llm)
    assert (decision.route, llm.briefings, decision.llm_denied) == ("handoff", 0, "tenant_minute")
    assert decision.handoff_summary is not None
    assert decision.handoff_summary.startswith("Handed over because")


async def test_a_failed_briefing_leaves_the_facts_and_says_it_failed() -> None:
    llm, gate = CountingLLM(None), Gate(Admission(True))
    decision = await decide("can I talk to a real person please", gate, llm)
    assert (llm.briefings, decision.handoff_briefing) == (1, "failed")
    assert decision.handoff_summary is not None
    assert decision.handoff_summary.startswith("Handed over because")


async def test_the_model_reads_the_message_once_the_gate_holds_its_credits_and_says_what_it_used() -> None:
    llm, gate, scorer = CountingLLM(), Gate(Admission(True)), ModelScorer()
    ports = replace(PORTS, llm=llm, admission=gate, intents=scorer)
    decision = await Router().decide(make_turn("tell me about your sourdough"), ports)
    assert (gate.readings, scorer.calls, gate.asked, llm.calls) == (1, 1, 1, 1)
    assert decision.intent_score == 0.91  # the model's reading stands
    assert decision.intent_reading == IntentReadingUsage("gemini-2.5-flash-lite", 400, 20)


async def test_refused_the_reading_the_local_scorer_reads_and_the_turn_still_asks_its_own_gate() -> None:
    # Out of credits for the reading, and a customer flooding the bot: the refusal is the reading's
    # alone, and the turn's own gate still says the flood notice is due.
    llm, gate, scorer = CountingLLM(), Gate(Admission(False, FLOOD_NOTICE), reading=OUT), ModelScorer()
    ports = replace(PORTS, llm=llm, admission=gate, intents=scorer)
    decision = await Router().decide(make_turn("do you sell rocket ships??"), ports)
    assert (gate.readings, scorer.calls, gate.asked, llm.calls) == (1, 0, 1, 0)
    assert decision.intent_reading is None
    notice = render(prompts.load("flood_notice"), turn_values(make_turn("x")))
    assert (decision.llm_denied, [r.text for r in decision.replies]) == (FLOOD_NOTICE, [notice])


async def test_without_an_llm_scorer_the_gate_is_never_asked_about_a_reading() -> None:
    llm, gate = CountingLLM(), Gate(OUT)
    decision = await decide("what's the price?", gate, llm)
    assert (decision.route, gate.readings, gate.asked, decision.intent_reading) == ("template", 0, 0, None)
