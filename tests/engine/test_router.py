"""Transcripts through the offline Router: what the customer says, which route answers, what they read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

import prompts
from bot.engine.knowledge_search import InMemoryKnowledgeBase, KnowledgeDoc
from bot.engine.render import render, turn_values
from bot.engine.router import MAX_KNOWLEDGE_QUERY_CHARS, Router
from bot.engine.triggers import match_command, match_template
from bot.engine.types import (
    BotSettings,
    CommandInfo,
    ConversationState,
    CustomerInfo,
    Decision,
    Engine,
    InboundText,
    IntentDefinition,
    IntentResult,
    KnowledgeHit,
    Ports,
    TemplateInfo,
    Turn,
)

KNOWLEDGE = (
    KnowledgeDoc(
        1,
        "What are your opening hours?",
        "We're open 9am to 6pm, Monday to Saturday.",
        ("schedule", "timetable"),
    ),
    KnowledgeDoc(
        2,
        "Where is the shop?",
        "You'll find us at 12 Market Street, next to the post office.",
        ("address", "location", "directions"),
    ),
    KnowledgeDoc(
        3,
        "How much is delivery?",
        "Delivery is free on orders over $30, otherwise it's $4.",
        ("shipping", "postage"),
    ),
    KnowledgeDoc(
        4,
        "Do you sell gift cards?",
        "Yes, gift cards from $10 are available in the shop.",
        ("voucher",),
    ),
    KnowledgeDoc(5, "¿Cuál es el horario?", "Abrimos de 9 a 18 h, de lunes a sábado.", ("horario",)),
)

COMMANDS = (
    CommandInfo(11, "!price", "Hi {first_name}, a loaf is $4 and a cake starts at $20."),
    CommandInfo(12, "hours", "Open 9am-6pm, Mon-Sat."),
)

TEMPLATES = (
    TemplateInfo(21, "prices", ("price",), "Our prices start at $4, {first_name}."),
    TemplateInfo(22, "price list", ("price list", "menu"), "Here's the full price list from {tenant_name}."),
    TemplateInfo(23, "greeting", ("good morning",), "Good morning {first_name}! I'm {bot_name}."),
)


def make_turn(
    text: str | None,
    *,
    status: str = "bot_active",
    fallbacks: int = 0,
    kind: str = "text",
    bot: BotSettings | None = None,
    customer: CustomerInfo | None = None,
    templates: tuple[TemplateInfo, ...] = TEMPLATES,
    commands: tuple[CommandInfo, ...] = COMMANDS,
) -> Turn:
    return Turn(
        tenant_id=7,
        tenant_name="Corner Bakery",
        bot=bot or BotSettings(bot_id=3, name="Bea"),
        conversation=ConversationState(conversation_id=99, status=status, consecutive_fallbacks=fallbacks),
        customer=customer or CustomerInfo(customer_id=5, first_name="Ana", full_name="Ana Lima"),
        inbound=InboundText(text=text, kind=kind),
        templates=templates,
        commands=commands,
    )


PORTS = Ports(knowledge=InMemoryKnowledgeBase(KNOWLEDGE))
ROUTER: Engine = Router()


async def say(text: str | None, ports: Ports = PORTS, **turn_options: object) -> Decision:
    return await ROUTER.decide(make_turn(text, **turn_options), ports)  # type: ignore[arg-type]


def reply_text(decision: Decision) -> str:
    assert len(decision.replies) == 1, decision
    return decision.replies[0].text


class ScriptedKnowledge:
    """A knowledge port that returns fixed hits and remembers what it was asked."""

    def __init__(
        self, hits: Sequence[KnowledgeHit] = (), on_search: Callable[[], None] | None = None
    ) -> None:
        self.hits = list(hits)
        self.on_search = on_search
        self.queries: list[str] = []

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        self.queries.append(query)
        if self.on_search is not None:
            self.on_search()
        return self.hits[:limit]


class ManualClock:
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- route order -------------------------------------------------------------------------------------


async def test_command_beats_template_and_knowledge() -> None:
    # "!hours" also names a knowledge entry; the tenant's command still answers.
    decision = await say("!hours")
    assert decision.route == "command"
    assert reply_text(decision) == "Open 9am-6pm, Mon-Sat."
    assert decision.command_id == 12

    # "!price list" would match both price templates too.
    decision = await say("!price list")
    assert decision.route == "command"
    assert decision.command_id == 11


async def test_template_beats_knowledge() -> None:
    opening_hours = TemplateInfo(24, "hours", ("opening hours",), "Template: we open at 9am.")
    decision = await say("What are your opening hours?", templates=(opening_hours,))
    assert decision.route == "template"
    assert reply_text(decision) == "Template: we open at 9am."
    assert decision.template_id == 24


async def test_knowledge_beats_fallback() -> None:
    decision = await say("what are your opening hours?")
    assert decision.route == "knowledge"
    assert "9am" in reply_text(decision)
    assert decision.knowledge_entry_ids == (1,)


async def test_nothing_matches_falls_back() -> None:
    decision = await say("do you sell rocket ships?")
    assert decision.route == "fallback"
    assert reply_text(decision) == render(prompts.load("fallback"), {"first_name": "Ana"})


# --- silence while a human owns the conversation ----------------------------------------------------


@pytest.mark.parametrize("status", ["escalated", "transferred"])
async def test_silent_while_an_agent_has_the_conversation(status: str) -> None:
    knowledge = ScriptedKnowledge()
    for text in ("!price", "price list", "what are your opening hours?", "???", None):
        decision = await say(text, ports=Ports(knowledge=knowledge), status=status, fallbacks=1)
        assert decision.route == "silent"
        assert decision.replies == ()
        assert decision.handoff_reason is None
    assert knowledge.queries == []


@pytest.mark.parametrize("status", ["new", "bot_active", "resolved"])
async def test_bot_answers_in_other_states(status: str) -> None:
    decision = await say("!price", status=status)
    assert decision.route == "command"


# --- commands -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["!price", "!PRICE", "!Price extra words", "  !price?  ", "!price, please"])
async def test_customer_types_price_command(text: str) -> None:
    decision = await say(text)
    assert decision.route == "command"
    assert reply_text(decision) == "Hi Ana, a loaf is $4 and a cake starts at $20."


async def test_command_stored_without_bang_still_needs_one_from_the_customer() -> None:
    assert (await say("!hours")).route == "command"
    # Without "!" it is an ordinary question, answered from the knowledge base.
    decision = await say("hours?")
    assert decision.route == "knowledge"
    assert decision.command_id is None


@pytest.mark.parametrize("text", ["!", "! price", "!unknown", "please !price"])
async def test_things_that_are_not_commands(text: str) -> None:
    assert match_command(text, COMMANDS) is None
    assert (await say(text)).route != "command"


async def test_a_misspelt_command_that_asks_about_prices_gets_the_price_list_by_its_intent() -> None:
    assert match_command("!pricey", COMMANDS) is None
    decision = await say("!pricey")
    assert decision.route == "command"
    assert decision.explanation == "pricing intent: answered from command !price"


# --- templates ------------------------------------------------------------------------------------------


async def test_template_rendered_with_customer_and_bot_fields() -> None:
    decision = await say("Good morning!")
    assert decision.route == "template"
    assert reply_text(decision) == "Good morning Ana! I'm Bea."
    assert decision.template_id == 23


async def test_template_for_customer_without_a_name_leaves_the_name_out() -> None:
    decision = await say("good   MORNING", customer=CustomerInfo(customer_id=6))
    assert reply_text(decision) == "Good morning! I'm Bea."


def test_longest_and_most_keywords_win() -> None:
    assert match_template("what's the price?", TEMPLATES) == TEMPLATES[0]
    assert match_template("price list please", TEMPLATES) == TEMPLATES[1]
    assert match_template("can I see the menu and the price list", TEMPLATES) == TEMPLATES[1]


@pytest.mark.parametrize("text", ["priceless", "a pricelist", "prices", "good mornings", ""])
def test_keywords_match_only_whole_words_or_phrases(text: str) -> None:
    assert match_template(text, TEMPLATES) is None


def test_template_keyword_with_punctuation_and_case() -> None:
    template = TemplateInfo(30, "wifi", ("Wi-Fi password",), "It's on the receipt.")
    assert match_template("what's the WI-FI password??", (template,)) == template
    assert match_template("wifi password", (template,)) is None


def test_template_with_only_blank_keywords_never_matches() -> None:
    template = TemplateInfo(31, "broken", ("", "  ", "!!"), "never")
    assert match_template("anything at all!!", (template,)) is None


async def test_tenant_name_placeholder() -> None:
    decision = await say("menu")
    assert reply_text(decision) == "Here's the full price list from Corner Bakery."


# --- knowledge -------------------------------------------------------------------------------------------


async def test_keyword_synonym_finds_the_entry() -> None:
    decision = await say("what's your address")
    assert decision.route == "knowledge"
    assert "Market Street" in reply_text(decision)


async def test_stemmed_question_finds_the_entry() -> None:
    decision = await say("When do you open?")
    assert decision.route == "knowledge"
    assert "9am" in reply_text(decision)


async def test_spanish_question_finds_the_spanish_entry() -> None:
    decision = await say("¿Cuál es su horario?")
    assert decision.route == "knowledge"
    assert decision.knowledge_entry_ids == (5,)


@pytest.mark.parametrize(("score", "route"), [(0.34, "fallback"), (0.35, "knowledge"), (0.9, "knowledge")])
async def test_knowledge_threshold_is_inclusive(score: float, route: str) -> None:
    knowledge = ScriptedKnowledge([KnowledgeHit(8, "q", "Answer for {first_name}.", score)])
    decision = await say("some question", ports=Ports(knowledge=knowledge))
    assert decision.route == route
    if route == "knowledge":
        assert reply_text(decision) == "Answer for Ana."
        assert decision.knowledge_entry_ids == (8,)


async def test_bot_threshold_is_respected() -> None:
    knowledge = ScriptedKnowledge([KnowledgeHit(8, "q", "a", 0.6)])
    strict_bot = BotSettings(bot_id=3, name="Bea", knowledge_threshold=0.8)
    decision = await say("some question", ports=Ports(knowledge=knowledge), bot=strict_bot)
    assert decision.route == "fallback"


async def test_best_hit_wins_even_if_the_port_returns_them_unsorted() -> None:
    knowledge = ScriptedKnowledge([KnowledgeHit(1, "q", "weak", 0.4), KnowledgeHit(2, "q", "strong", 0.9)])
    decision = await say("question", ports=Ports(knowledge=knowledge))
    assert reply_text(decision) == "strong"
    assert decision.knowledge_entry_ids == (2,)


async def test_knowledge_is_asked_for_three_hits_with_a_bounded_query() -> None:
    knowledge = ScriptedKnowledge()
    await say("hours " * 5000, ports=Ports(knowledge=knowledge))
    assert len(knowledge.queries) == 1
    assert 0 < len(knowledge.queries[0]) <= MAX_KNOWLEDGE_QUERY_CHARS


# --- fallback and repeated fallback ----------------------------------------------------------------------


async def test_fallbacks_are_counted_and_the_second_asks_for_a_human() -> None:
    first = await say("blorp", fallbacks=0)
    assert first.route == "fallback"
    assert first.consecutive_fallbacks == 1
    assert first.handoff_reason is None

    second = await say("blorp again", fallbacks=first.consecutive_fallbacks)
    assert second.consecutive_fallbacks == 2
    assert second.handoff_reason == "repeated_fallback"


@pytest.mark.parametrize(
    "text", ["!price", "price list", "what are your opening hours?"], ids=["command", "template", "kb"]
)
async def test_any_answer_resets_the_fallback_count(text: str) -> None:
    decision = await say(text, fallbacks=1)
    assert decision.route != "fallback"
    assert decision.consecutive_fallbacks == 0
    assert decision.handoff_reason is None


async def test_handoff_after_fallbacks_is_per_bot() -> None:
    patient_bot = BotSettings(bot_id=3, name="Bea", handoff_after_fallbacks=4)
    assert (await say("blorp", fallbacks=2, bot=patient_bot)).handoff_reason is None
    assert (await say("blorp", fallbacks=3, bot=patient_bot)).handoff_reason == "repeated_fallback"

    never_bot = BotSettings(bot_id=3, name="Bea", handoff_after_fallbacks=0)
    decision = await say("blorp", fallbacks=10, bot=never_bot)
    assert decision.consecutive_fallbacks == 11
    assert decision.handoff_reason is None


async def test_bot_fallback_text_is_used_and_rendered() -> None:
    bot = BotSettings(
        bot_id=3, name="Bea", fallback_text="Hmm, {first_name}? Try !price or ask for {bot_name}."
    )
    decision = await say("blorp", bot=bot)
    assert reply_text(decision) == "Hmm, Ana? Try !price or ask for Bea."


async def test_blank_bot_fallback_text_uses_the_shipped_prompt() -> None:
    bot = BotSettings(bot_id=3, name="Bea", fallback_text="   ")
    decision = await say("blorp", bot=bot)
    assert reply_text(decision) == render(prompts.load("fallback"), {"first_name": "Ana"})


# --- inputs that must never crash a turn -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"), [(None, "image"), ("", "text"), ("   \n\t ", "text"), (None, "sticker")]
)
async def test_image_or_empty_message_gets_a_polite_reply(text: str | None, kind: str) -> None:
    turn = make_turn(text, kind=kind)
    decision = await Router().decide(turn, PORTS)
    assert decision.route == "fallback"
    assert reply_text(decision) == render(prompts.load("unsupported_message"), turn_values(turn))
    assert "Ana" in reply_text(decision)
    assert decision.consecutive_fallbacks == 1


ODD_INPUTS = {
    "emoji": "😀👍🎉",
    "punctuation": "???!!!...",
    "japanese": "営業時間は何時ですか",
    "russian": "Какие у вас часы работы?",  # noqa: RUF001
    "arabic": "مرحبا، متى تفتحون؟",
    "braces": "{first_name} {0} {{ }} }{",
    "control": "\x00\u200b\ufeff",
    "20k-one-word": "a" * 20_000,
    "20k-words": "opening hours " * 1_500,
}


@pytest.mark.parametrize("text", list(ODD_INPUTS.values()), ids=list(ODD_INPUTS))
async def test_odd_input_never_crashes(text: str) -> None:
    decision = await say(text)
    assert decision.route in {"knowledge", "fallback", "template"}
    assert len(decision.replies) == 1
    assert decision.replies[0].text.strip()


async def test_latency_is_recorded_around_the_whole_decision() -> None:
    clock = ManualClock()
    router = Router(clock=clock)
    slow = ScriptedKnowledge(on_search=lambda: clock.advance(0.03))

    decision = await router.decide(make_turn("question"), Ports(knowledge=slow))
    assert decision.latency_ms == 30  # the knowledge search took 30 ms of the clock

    command = await router.decide(make_turn("!price"), PORTS)
    assert command.latency_ms == 0  # nothing moved the clock


async def test_every_text_turn_carries_its_intent_and_sentiment() -> None:
    decision = await say("this is the third time my order arrived broken, awful")
    assert decision.intent == "complaint"
    assert decision.intent_score is not None
    assert 0.0 < decision.intent_score <= 1.0
    assert decision.sentiment == "negative"
    assert decision.sentiment_score is not None
    assert decision.sentiment_score < 0


async def test_a_command_turn_is_scored_by_the_local_scorer_only() -> None:
    class Refusing:
        async def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
            raise AssertionError("a command turn is never worth a call to the intent model")

    decision = await say("!price", Ports(knowledge=PORTS.knowledge, intents=Refusing()))
    assert decision.route == "command"
    assert decision.intent == "pricing"  # what the command's response opens with: "a loaf is $4"
    assert decision.sentiment == "neutral"


async def test_decisions_are_repeatable() -> None:
    turn = make_turn("what are your opening hours?")
    first, second = await Router().decide(turn, PORTS), await Router().decide(turn, PORTS)
    assert replace(first, latency_ms=0) == replace(second, latency_ms=0)


def test_an_evolved_decision_is_the_copy_dataclasses_replace_makes() -> None:
    original = Decision(route="knowledge", knowledge_entry_ids=(3,), intent="pricing", intent_score=0.7)
    changed = original.evolved(intent="support", latency_ms=4)
    assert changed == replace(original, intent="support", latency_ms=4)
    assert original.intent == "pricing"  # the original is untouched
    with pytest.raises(TypeError, match="no field"):
        original.evolved(intnet="support")
