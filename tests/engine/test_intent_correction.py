"""The learned intent correction (bot/engine/intents/correction.py): what it learns, what it leaves alone,
and that a Router uses it only to record the turn's intent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import pytest

from bot.engine.intents.correction import STANDING, Example, IntentCorrection, features, fit, shipped
from bot.engine.router import Router
from bot.engine.types import Decision, HandoffBriefing, KnowledgeHit, Ports, Reply, Turn
from tests.engine.test_router import PORTS, make_turn

# The rules read both kinds of message as a product inquiry; the labels say a refund is support.
REFUNDS = ["how do i get a refund", "refund for my order please", "i want a refund", "can i get a refund"]
OFFER = ["do you sell decaf", "do you sell gift cards", "do you sell mugs", "do you sell filters"]
EXAMPLES = [
    *(Example(text, "product_inquiry", "knowledge", "support") for text in REFUNDS),
    *(Example(text, "product_inquiry", "knowledge", "product_inquiry") for text in OFFER),
    Example("hello", "greeting", "template", "greeting"),
    Example("this is awful", "complaint", "handoff", "complaint"),
]

# The L2 strength is absolute (not scaled by the number of examples): the shipped one regularises the
# thousands of development messages lightly and a handful of made-up examples heavily.
TOY_L2 = 0.1


@pytest.fixture(scope="module")
def model() -> IntentCorrection:
    return fit(EXAMPLES, {"made-up.jsonl": "0" * 64}, min_count=1, l2=TOY_L2)


def test_it_learns_the_reading_the_labels_give_where_the_rules_give_another(model: IntentCorrection) -> None:
    assert model.reading("a refund for the grinder", "product_inquiry", "knowledge") == "support"
    assert model.reading("do you sell grinders", "product_inquiry", "knowledge") == "product_inquiry"


def test_the_reading_of_the_entry_offered_tells_apart_messages_worded_alike() -> None:
    # "can i pay with X" answered by an entry about the offer is a product question; the same words
    # answered by an entry that reads as support, a request for help.
    ways = ("paypal", "klarna", "cash")
    trained = fit(
        [
            *(
                Example(f"can i pay with {n}", "support", "knowledge", "product_inquiry", "product_inquiry")
                for n in ways
            ),
            *(Example(f"can i pay with {n}", "support", "knowledge", "support", "support") for n in ways),
        ],
        {},
        min_count=1,
        l2=TOY_L2,
    )
    assert trained.reading("can i pay with apple pay", "support", "knowledge", "product_inquiry") == (
        "product_inquiry"
    )
    assert trained.reading("can i pay with apple pay", "support", "knowledge", "support") == "support"


def test_the_customers_feeling_tells_apart_messages_worded_alike() -> None:
    # The same words from an upset customer are a complaint, from a calm one a request for help.
    trained = fit(
        [
            *(
                Example(f"the bag split open {n}", "support", "knowledge", "complaint", sentiment="negative")
                for n in ("what now", "in the post", "all over")
            ),
            *(
                Example(f"the bag split open {n}", "support", "knowledge", "support", sentiment="neutral")
                for n in ("how do i", "what do i", "can you")
            ),
        ],
        {},
        min_count=1,
        l2=TOY_L2,
    )
    text = "the bag split open, help"
    assert trained.reading(text, "support", "knowledge", None, "negative") == "complaint"
    assert trained.reading(text, "support", "knowledge", None, "neutral") == "support"


def test_how_a_message_opens_is_a_feature() -> None:
    names = features("Do you have decaf?", "product_inquiry", "knowledge", None, "neutral")
    assert {"first=do", "start=do_you", "sentiment=neutral"} <= set(names)


def test_a_misspelt_word_shares_most_of_its_character_features_with_the_word_it_means() -> None:
    def grams(text: str) -> set[str]:
        return {name for name in features(text, "support", "knowledge") if name.startswith("chars=")}

    # Their stems differ: only the characters bring them together.
    assert "word=conection" in features("conection", "support", "knowledge")
    assert "word=conection" not in features("connection", "support", "knowledge")
    right, wrong = grams("connection"), grams("conection")
    assert right
    assert len(right & wrong) >= 0.6 * len(right)


def test_a_standing_reading_or_an_unknown_route_is_left_alone(model: IntentCorrection) -> None:
    for standing in STANDING:
        assert model.reading("how do i get a refund", standing, "knowledge") == standing
    # A conversation a person owns is answered by nobody: the model never saw such a turn.
    assert model.reading("how do i get a refund", "product_inquiry", "silent") == "product_inquiry"


def tenant_model() -> IntentCorrection:
    """Learns that slowness the rules read as the ISP's outage is a request for help, and that a dead
    line the rules read as support is the tenant's own intent."""
    return fit(
        [Example(f"internet so slow tonight {n}", "outage", "knowledge", "support") for n in range(4)]
        + [Example(f"the line is dead {n}", "support", "knowledge", "outage") for n in range(4)]
        + [Example(f"the internet is down {n}", "outage", "knowledge", "outage") for n in range(4)],
        {},
        min_count=1,
        l2=TOY_L2,
    )


def test_a_tenant_intent_is_one_class_it_may_read_again_but_never_gives() -> None:
    trained = tenant_model()
    assert "tenant" in trained.labels
    assert "outage" not in trained.labels
    assert trained.reading("internet so slow tonight", "outage", "knowledge") == "support"
    assert trained.reading("the internet is down", "outage", "knowledge") == "outage"
    # It knows a dead line is the tenant's, but not which of the tenant's intents: support stands.
    assert trained.probabilities("the line is dead", "support", "knowledge")["tenant"] > 0.5
    assert trained.reading("the line is dead", "support", "knowledge") == "support"


def test_it_never_answers_with_a_standing_reading() -> None:
    trained = fit(
        [Example(f"hi there {n}", "other", "fallback", "greeting") for n in range(6)]
        + [Example("what is this", "other", "fallback", "other")],
        {},
        min_count=1,
        l2=TOY_L2,
    )
    assert trained.probabilities("hi there", "other", "fallback")["greeting"] > 0.5
    assert trained.reading("hi there", "other", "fallback") == "other"


def complaint_model() -> IntentCorrection:
    """Learns that a damaged parcel is a request for help and a bill gone up a complaint, whatever the
    rules read, on every route."""
    return fit(
        [
            Example(f"the bag split open {route}", "complaint", route, "support")
            for route in ("knowledge", "clarify", "fallback", "handoff")
        ]
        + [
            Example(f"why has my bill gone up {route}", "support", route, "complaint")
            for route in ("knowledge", "clarify", "fallback", "handoff")
        ],
        {},
        min_count=1,
        l2=TOY_L2,
    )


def test_a_complaint_answered_from_an_entry_may_be_read_again_but_not_one_apologised_for() -> None:
    trained = complaint_model()
    assert trained.reading("the bag split open", "complaint", "knowledge") == "support"
    assert trained.reading("the bag split open", "complaint", "clarify") == "support"
    # The fallback to a complaint is an apology, and a handoff acted on the complaint.
    assert trained.reading("the bag split open", "complaint", "fallback") == "complaint"
    assert trained.reading("the bag split open", "complaint", "handoff") == "complaint"


def test_it_may_read_a_complaint_into_a_turn_but_not_into_a_handed_over_one() -> None:
    trained = complaint_model()
    assert trained.reading("why has my bill gone up", "support", "knowledge") == "complaint"
    assert trained.reading("why has my bill gone up", "support", "fallback") == "complaint"
    assert trained.reading("why has my bill gone up", "support", "handoff") == "support"


def test_a_near_tie_keeps_the_rules_reading() -> None:
    # Half the examples say one thing, half the other: the model is no surer than the rules.
    trained = fit(
        [
            Example("where is it", "order_status", "clarify", "order_status"),
            Example("where is it", "order_status", "clarify", "product_inquiry"),
        ],
        {},
        min_count=1,
        l2=TOY_L2,
    )
    assert trained.reading("where is it", "order_status", "clarify") == "order_status"


def test_it_round_trips_through_its_json_and_refuses_labels_that_are_not_built_in(
    model: IntentCorrection,
) -> None:
    again = IntentCorrection.from_json(json.loads(json.dumps(model.to_json())))
    assert again.reading("a refund for the grinder", "product_inquiry", "knowledge") == "support"
    assert again.trained_on == {"made-up.jsonl": "0" * 64}

    raw = model.to_json()
    raw["labels"] = [*raw["labels"][:-1], "outage"]
    with pytest.raises(ValueError, match="not built-in: \\['outage'\\]"):
        IntentCorrection.from_json(raw)


def test_fitting_needs_a_built_in_label() -> None:
    with pytest.raises(ValueError, match="no example has a built-in intent label"):
        fit([Example("the internet is down", "outage", "knowledge", "outage")], {})


def test_the_package_ships_a_model() -> None:
    found = shipped()
    assert found is not None
    assert set(found.labels) >= {"product_inquiry", "support", "purchase_intent", "pricing", "other"}


REFUND_QUESTION = "is a refund possible"


def refund_model(reading: str, label: str) -> IntentCorrection:
    """A model that reads the refund question, read by the rules as ``reading`` on a fallback, as
    ``label``, and other fallbacks as the rules do."""
    return fit(
        [Example(f"{REFUND_QUESTION} {n}", reading, "fallback", label) for n in range(4)]
        + [Example(f"who won the match {n}", reading, "fallback", reading) for n in range(4)],
        {},
        min_count=1,
        l2=TOY_L2,
    )


async def test_the_router_records_the_corrected_intent_and_answers_as_before() -> None:
    # The bakery of test_router.py knows nothing about refunds: the rules fall back and read "other".
    text = REFUND_QUESTION
    model = refund_model(reading="other", label="support")
    plain = await Router(intent_correction=None).decide(make_turn(text), PORTS)
    corrected = await Router(intent_correction=model).decide(make_turn(text), PORTS)

    assert (plain.route, plain.intent) == ("fallback", "other")
    assert corrected.intent == "support"
    assert corrected.intent_learned_from is not None
    assert corrected.intent_learned_from.startswith("other (")
    assert (corrected.route, corrected.replies, corrected.explanation) == (
        plain.route,
        plain.replies,
        plain.explanation,
    )


async def test_the_router_leaves_a_reading_the_model_does_not_change(model: IntentCorrection) -> None:
    decision: Decision = await Router(intent_correction=model).decide(make_turn("good morning"), PORTS)
    assert decision.route == "template"
    assert decision.intent == "greeting"
    assert decision.intent_learned_from is None


class FailingModel:
    """An LLM port whose answer fails: the turn falls back, as the offline engine's fallback would."""

    async def answer(self, turn: Turn, ports: Ports, knowledge: Sequence[KnowledgeHit]) -> Decision:
        return Decision(
            route="fallback", replies=(Reply("sorry"),), model="gemini-2.5-flash", llm_failed=True
        )

    async def summarize_handoff(self, turn: Turn, facts: str) -> HandoffBriefing:
        return HandoffBriefing(None, "gemini-2.5-flash", 0, 0)


async def test_a_turn_a_model_answered_is_left_alone() -> None:
    text = REFUND_QUESTION
    model = refund_model(reading="support", label="product_inquiry")
    ports = replace(PORTS, llm=FailingModel())
    decision = await Router(intent_correction=model).decide(make_turn(text), ports)
    assert (decision.route, decision.model, decision.intent) == ("fallback", "gemini-2.5-flash", "support")
    # The model would have read the turn otherwise, had the offline engine answered it.
    assert model.reading(text, "support", "fallback") == "product_inquiry"
    assert decision.intent_learned_from is None
