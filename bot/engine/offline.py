"""The answer without the LLM: the knowledge base, steered by the intent, else the fallback.

In order: the answer to the bot's own question of the turn before (the entry the customer picked from a
"did you mean", the tracking entry once the order number is given); prices for a pricing question;
the order number asked for, or the tracking entry, for an order-status one; a "did you mean" when the
two best entries are too close; the best confident entry; an apology and the offer of a person for a
complaint; the fallback. Each decision says why (``Decision.explanation``), for `chatbot kb test`.
"""

from __future__ import annotations

from collections.abc import Sequence

import prompts
from bot.engine import handoff_rules
from bot.engine.answered_intent import mostly_foreign
from bot.engine.intent_steering import (
    COMPLAINT,
    ORDER_STATUS,
    ORDER_STATUS_QUERY,
    PRICING,
    about_an_order,
    asks_how_to,
    asks_where_a_known_thing_is,
    best_two,
    close_pair,
    has_order_number,
    help_command,
    is_bare_order_number,
    offered_options,
    options_text,
    picked_option,
    still_awaited,
)
from bot.engine.lexicon import names_a_person
from bot.engine.price_steering import (
    FULL_MATCH,
    about_prices,
    carries_prices,
    names_a_price,
    price_asked_after_another,
    price_source,
)
from bot.engine.render import render, turn_values
from bot.engine.types import Decision, IntentResult, KnowledgeHit, KnowledgeMatch, Ports, Reply, Turn
from bot.engine.word_forms import GENERIC_WORDS, STOPWORDS, words

__all__ = [
    "KNOWLEDGE_LIMIT",
    "MAX_KNOWLEDGE_QUERY_CHARS",
    "REPEATED_FALLBACK",
    "SUGGEST_MIN_PARTS",
    "SUGGEST_SHARE",
    "answer",
    "fallback",
    "follow_up",
]

REPEATED_FALLBACK = "repeated_fallback"
# A knowledge question never needs more than this; capping it bounds the cost of a pasted essay
# without changing the answer to anything a customer would really ask.
MAX_KNOWLEDGE_QUERY_CHARS = 2000
KNOWLEDGE_LIMIT = 3
# A best entry below the threshold but at least this share of it, met by two or more parts of the
# question, is offered with the runner-up as a "did you mean": a question that close to an entry is
# more often that entry in other words than something else, and a question back costs the customer
# less than a shrug. One shared word is what an off-topic question has too ("who won the world cup"
# meets the caffeine entry's "cup"), so it is not enough.
SUGGEST_SHARE = 0.7
SUGGEST_MIN_PARTS = 2
# A message that says an entry's idea in a phrase of the customer's own ("my laptop's been
# disconnecting and reconnecting all evening") is offered that entry from this share of the threshold:
# the phrase is telling even when the rest of the story drowns it.
PHRASE_SUGGEST_SHARE = 0.4
# A confident entry for a message mostly in words the tenant never uses is given outright only from this
# multiple of the threshold; below it the bot asks (see _unsure).
FOREIGN_SURE = 1.7
# A complaint read this weakly (its words are mostly another question's: "im tired of forgetting to
# reorder, do you have some kind of regular delivery") is offered the entries it nearly meets before the
# apology; the escalation rule (bot/engine/router.py) defers to them the same way.
WEAK_COMPLAINT = 0.4
# The readings a message that names a price outright is a price question in (price_steering.names_a_price).
ASKED_WITH_A_PRICE = frozenset({PRICING, "product_inquiry", "purchase_intent"})
_OPTIONS_MARK = "\x00options\x00"


async def answer(
    turn: Turn, ports: Ports, question: str, scored: IntentResult | None, hits: Sequence[KnowledgeHit]
) -> Decision:
    """The offline decision for ``question`` given its knowledge ``hits`` and scored intent."""
    threshold = turn.bot.knowledge_threshold
    intent = scored.intent if scored is not None else None
    helper = help_command(question, turn.commands)
    if helper is not None:
        return Decision(
            route="command",
            replies=(Reply(render(helper.response, turn_values(turn))),),
            command_id=helper.command_id,
            explanation=f"a question about what the bot can do: answered from command {helper.command}",
        )
    if (
        # "Ive only ever had your coffee at a friends place, what does a bag cost" may read as a purchase
        # and "is there a big price difference" as a product inquiry: a price named outright is asked.
        (intent == PRICING or (intent in ASKED_WITH_A_PRICE and names_a_price(question)))
        and about_prices(question)
        and not price_asked_after_another(question)
    ):
        source = price_source(question, hits, threshold, turn.commands)
        if source is not None and source.hit is not None:
            return _knowledge(
                turn,
                source.hit,
                f"pricing intent: answered from the entry {source.hit.question!r} ({source.hit.score:.2f})",
            )
        if source is not None and source.command is not None:
            return Decision(
                route="command",
                replies=(Reply(render(source.command.response, turn_values(turn))),),
                command_id=source.command.command_id,
                explanation=f"pricing intent: answered from command {source.command.command}",
            )
    elif (
        intent == ORDER_STATUS
        and not asks_how_to(question)
        # "It still hasn't come" names no order, but is one, unless a person is awaited ("the engineer
        # still hasn't come" is a missed visit).
        and (
            about_an_order(question)
            or awaits_an_order(question)
            or asks_where_a_known_thing_is(question, hits)
        )
        and not _a_price_question(question)
        # "my amazon parcel is late" is another seller's order: no number of this tenant's will find it.
        and not (hits and hits[0].foreign_subject is not None)
        and not await _answered_elsewhere(ports, hits)
    ):
        if not has_order_number(question):
            return Decision(
                route="clarify",
                replies=(Reply(render(prompts.load("clarify_order_number"), turn_values(turn))),),
                consecutive_fallbacks=turn.conversation.consecutive_fallbacks,
                explanation="order_status intent without an order number: the bot asks for it",
            )
        tracking = await _tracking_entry(turn, ports, question)
        if tracking is not None:
            return tracking
    pair = close_pair(hits, threshold)
    if pair is not None:
        return _did_you_mean(turn, *pair)
    best = max(hits, key=lambda hit: hit.score, default=None)
    unsure = _unsure(question, hits, threshold, turn)
    if unsure is not None:
        return _did_you_mean(
            turn,
            *unsure,
            explanation=(
                f"the best entry scored {unsure[0].score:.2f}, but most of the message is words this "
                "tenant never uses: the bot offers it and the runner-up rather than answer outright"
            ),
        )
    if best is not None and best.score >= threshold:
        return _knowledge(
            turn, best, f"best entry scored {best.score:.2f}, at least the threshold {threshold:.2f}"
        )
    nearest = f"best entry {best.score:.2f}" if best is not None else "no entry shares a word"
    suggestion = _suggestion(hits, threshold, foreign=mostly_foreign(question, hits, turn.commands))
    if intent == COMPLAINT and (
        suggestion is None or scored is None or scored.intent_score >= WEAK_COMPLAINT
    ):
        return fallback(
            turn,
            render(prompts.load("complaint"), turn_values(turn)),
            f"complaint below the escalation rule and no entry reached the threshold ({nearest}): "
            "an apology and the offer of a person",
        )
    if suggestion is not None:
        first, second, why = suggestion
        return _did_you_mean(
            turn,
            first,
            second,
            explanation=(
                f"the best entry scored {first.score:.2f}, below the threshold {threshold:.2f} but {why}: "
                "the bot offers it and the runner-up"
            ),
        )
    text = turn.bot.fallback_text
    if text is None or not text.strip():
        text = prompts.load("fallback")
    return fallback(
        turn, render(text, turn_values(turn)), f"no entry reached the threshold {threshold:.2f} ({nearest})"
    )


async def follow_up(turn: Turn, ports: Ports, text: str) -> Decision | None:
    """The answer to the bot's own question of the turn before, when this message answers it."""
    if not turn.history or turn.history[-1].role != "assistant":
        return None
    bot_said = turn.history[-1].text
    values = turn_values(turn)
    if bot_said.strip() == render(prompts.load("clarify_order_number"), values).strip():
        if is_bare_order_number(text):
            return await _tracking_entry(turn, ports, text)
        return None
    prefix, _, suffix = render(
        prompts.load("clarify_choice"), {**values, "options": _OPTIONS_MARK}
    ).partition(_OPTIONS_MARK)
    options = offered_options(bot_said, prefix, suffix)
    if options is None:
        return None
    picked = picked_option(text, turn.inbound.payload, options)
    if picked is None:
        return None
    hits = await ports.knowledge.search(picked[:MAX_KNOWLEDGE_QUERY_CHARS], limit=KNOWLEDGE_LIMIT)
    entry = next((hit for hit in hits if hit.question.strip() == picked.strip()), None)
    if entry is None:
        return None
    return _knowledge(turn, entry, "the customer picked this entry from the bot's \u201cdid you mean\u201d")


def fallback(turn: Turn, text: str, explanation: str) -> Decision:
    """The fallback reply, or a person once the bot has fallen back often enough in a row."""
    count = turn.conversation.consecutive_fallbacks + 1
    limit = turn.bot.handoff_after_fallbacks
    if limit > 0 and count >= limit:
        # Enough shrugs: a person takes over, and the customer is told so instead of a third shrug.
        return Decision(
            route="handoff",
            replies=handoff_rules.handoff_replies(turn),
            consecutive_fallbacks=count,
            handoff_trigger="fallback",
            handoff_reason=REPEATED_FALLBACK,
            explanation=f"{explanation}; fallback {count} in a row hands over",
        )
    return Decision(
        route="fallback", replies=(Reply(text),), consecutive_fallbacks=count, explanation=explanation
    )


def awaits_an_order(question: str) -> bool:
    """Whether something the customer waits for has not come, and it is no person ("my coffee still
    hasn't come", not "the engineer still hasn't come": a missed visit has its own entry)."""
    return still_awaited(question) and not _awaits_a_person(question)


def _awaits_a_person(question: str) -> bool:
    return any(names_a_person(word) for word in words(question) if word not in STOPWORDS)


async def _answered_elsewhere(ports: Ports, hits: Sequence[KnowledgeHit]) -> bool:
    """Whether another entry than the tracking one matches the question in full.

    "Do you give discounts on bulk orders?" may read as order status, but it is word for word an entry
    of its own; the order number is asked for only when no such entry answers the question.
    """
    best = max(hits, key=lambda hit: hit.score, default=None)
    if best is None or best.score < FULL_MATCH:
        return False
    tracking = await ports.knowledge.search(ORDER_STATUS_QUERY, limit=1)
    return not tracking or tracking[0].entry_id != best.entry_id


async def _tracking_entry(turn: Turn, ports: Ports, question: str) -> Decision | None:
    # The customer's words plus the intent's own: "where is #4521?" names no word of the tracking entry.
    query = f"{question[:MAX_KNOWLEDGE_QUERY_CHARS]} {ORDER_STATUS_QUERY}"
    hits = await ports.knowledge.search(query, limit=KNOWLEDGE_LIMIT)
    best = max(hits, key=lambda hit: hit.score, default=None)
    if best is None or best.score < turn.bot.knowledge_threshold:
        return None
    return _knowledge(
        turn, best, f"order_status intent with an order number: the tracking entry ({best.score:.2f})"
    )


def _a_price_question(question: str) -> bool:
    """Whether an order-status reading is really about what delivery costs: "do I still pay for delivery
    if my basket only comes to $30" names an amount and no order of the customer's."""
    return carries_prices(question) and not awaits_an_order(question) and not has_order_number(question)


def _unsure(
    question: str, hits: Sequence[KnowledgeHit], threshold: float, turn: Turn
) -> tuple[KnowledgeHit, KnowledgeHit] | None:
    """The two best entries when the best reaches the threshold but not FOREIGN_SURE times it, and most
    of the message is words the tenant never uses: "can I order a large pepperoni pizza for delivery"
    meets an internet provider's router-delivery entry on "order" and "delivery" alone, "how do I
    switch from Virgin to you" is its switching entry. A question back serves both; an answer
    outright serves only the second."""
    pair = best_two(hits)
    if pair is None or not threshold <= pair[0].score < FOREIGN_SURE * threshold:
        return None
    return pair if mostly_foreign(question, hits, turn.commands) else None


def _suggestion(
    hits: Sequence[KnowledgeHit], threshold: float, foreign: bool
) -> tuple[KnowledgeHit, KnowledgeHit, str] | None:
    """The two best entries to offer when the best is near the threshold, and why; ``foreign``: most
    of the message is words the tenant never uses ("write me a poem about a new house")."""
    pair = best_two(hits)
    if pair is None or pair[0].score < PHRASE_SUGGEST_SHARE * threshold:
        return None
    # "How much" and "cost" say what kind of question it is, not what it is about (a taxi's price
    # meets the shipping entry's price words only), and "sell" or "use" could be about anything.
    parts = {
        match.said
        for match in pair[0].matches
        if not about_prices(match.said) and match.said not in GENERIC_WORDS
    }
    if pair[0].score >= SUGGEST_SHARE * threshold and len(parts) >= SUGGEST_MIN_PARTS:
        return (*pair, f"within {SUGGEST_SHARE:.0%} of it")
    if foreign:
        return None
    # The entry a telling phrase meets comes first, even behind an entry met by loose words ("keeps
    # disconnecting in the middle of my work calls" meets the contact entry on "work" and "calls").
    ranked = sorted(hits, key=lambda hit: -hit.score)
    for hit in ranked:
        phrase = next((match.said for match in hit.matches if _telling_phrase(match)), None)
        if phrase is None or hit.score < PHRASE_SUGGEST_SHARE * threshold:
            continue
        other = next((other for other in ranked if other.question != hit.question), None)
        return (
            None if other is None else (hit, other, f"the customer's phrase {phrase!r} says what it is about")
        )
    return None


def _telling_phrase(match: KnowledgeMatch) -> bool:
    """A phrase of several words that met an entry's idea in other words ("keeps disconnecting" meets
    "dropping", "follow the delivery" meets tracking), not a price phrase ("how much")."""
    return match.kind == "phrase" and len(match.said.split()) >= 2 and not about_prices(match.said)


def _did_you_mean(
    turn: Turn, first: KnowledgeHit, second: KnowledgeHit, explanation: str | None = None
) -> Decision:
    values = {**turn_values(turn), "options": options_text(first.question, second.question)}
    return Decision(
        route="clarify",
        replies=(
            Reply(render(prompts.load("clarify_choice"), values), choices=(first.question, second.question)),
        ),
        knowledge_entry_ids=(first.entry_id, second.entry_id),
        consecutive_fallbacks=turn.conversation.consecutive_fallbacks,
        explanation=explanation
        or (
            f"the two best entries scored {first.score:.2f} and {second.score:.2f}, "
            "too close to choose: the bot asks which one"
        ),
    )


def _knowledge(turn: Turn, hit: KnowledgeHit, explanation: str) -> Decision:
    return Decision(
        route="knowledge",
        replies=(Reply(render(hit.answer, turn_values(turn))),),
        knowledge_entry_ids=(hit.entry_id,),
        explanation=explanation,
    )
