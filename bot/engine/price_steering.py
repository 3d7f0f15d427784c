"""How a pricing question finds its answer: the entry or the command that names what is asked the
price of (the pricing steer of bot/engine/offline.py; the rest of the steering is in
bot/engine/intent_steering.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.knowledge_search import sentences, tokenize
from bot.engine.lexicon import mostly_by_specificity
from bot.engine.types import CommandInfo, KnowledgeHit
from bot.engine.word_forms import stem, words

__all__ = [
    "FULL_MATCH",
    "PriceSource",
    "about_prices",
    "carries_prices",
    "names_a_price",
    "price_asked_after_another",
    "price_command",
    "price_source",
]


# A knowledge score this high means the entry covers every word of the question.
FULL_MATCH = 0.9
# How many of the words a price is asked of an entry without prices must meet to outrank a price list.
UNPRICED_ENTRY_WORDS = 2
# A currency amount ("$14", "14.50 EUR", "£3") or a percentage ("10% off", "save 15%"): what makes a
# text a price list.
_PRICE = re.compile(
    r"[$€£¥]\s?\d|\d(?:[.,]\d+)?\s?(?:[$€£¥]|usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b"
    # A percentage is a price only as a saving: "10% off", "save 15%", "a 5% discount", not "80% of the
    # advertised speed".
    r"|\d\s?%\s?(?:off|discount)\b|\b(?:save|saves|saving|discount of)\s+(?:up\s+to\s+)?\d+\s?%",
    re.IGNORECASE,
)
# The words that make a pricing or an order-status reading safe to act on: the scorer may read "where is
# the shop?" as order status or "a cake shaped like a submarine" as pricing, and a wrong steer answers
# with a price list or asks for an order number out of the blue.
_PRICE_CUE = re.compile(
    r"[$€£¥]|\b(?:pric\w*|cost\w*|much|cheap\w*|expensive|dearer|fees?"
    # A charge, but not a battery's: "my phone won't charge", "the charger", "stopped charging".
    r"|(?<!won't )(?<!wont )(?<!not )(?<!stopped )charg(?!er\b|ing\s+(?:cable|port|lead))\w*"
    r"|discount\w*|deals?|offers?"
    r"|sale|promo\w*|money|quote|rates?|afford\w*|spend|going\s+for|damage\s+(?:on|for))\b",
    re.IGNORECASE,
)
# An entry whose question names a price is about prices even when its answer holds no amount.
_ENTRY_PRICE = re.compile(r"\b(?:pric\w*|cost\w*|charg\w*|fees?|discount\w*)\b", re.IGNORECASE)
# What a price is asked of when it is the price of doing something: "how much do you charge to send a
# bag", "what does it cost to cancel". The doing is a service an entry tells the price of, not a product.
_ACTION = re.compile(
    r"\b(?:much|cost\w*|charg\w*|pric\w*|fees?)\b[^?.!]{0,30}?\bto\s+([a-z]+)", re.IGNORECASE
)
# Words that ask for the whole price list rather than the price of something ("price list please").
_WHOLE_LIST = frozenset({"list", "menu", "rundown", "overview", "sheet", "breakdown", "everything", "all"})
# The words of a price's unit ("how much per bag", "per month"): a price list names them, but an entry
# without prices that says "per cup" is not about the price asked.
_UNIT = frozenset({"per", "each"})
# What a price is asked per, as stems: "how much are they per month".
_PER_WHAT = frozenset({*_UNIT, "month", "year", "week", "day"})
# The price words that name a kind of price: an entry whose question names it ("Do you give discounts on
# bulk orders?" for "is there a discount if i buy 5kg") is about that price, as much as about a word of
# the subject.
_KIND_OF_PRICE = re.compile(r"discount|deal|offer|fee|promo\w*", re.IGNORECASE)
# "Offer" as what someone does is no kind of price: "the cheapest broadband you offer" asks a price of
# the broadband, not of an offer.
_OFFER_AS_VERB = re.compile(
    r"\b(?:you|u|ya|we|they)\s+(?:(?:currently|also|still|even|actually|now)\s+)?offers?\b", re.IGNORECASE
)


# When the price is asked ("what's the ethiopia cost these days"): now, not what the price is of (the
# shipping entry's "days").
_NOW = re.compile(
    r"\b(?:these\s+days|nowadays|at\s+the\s+moment|atm|right\s+now|rn|currently|at\s+present)\b",
    re.IGNORECASE,
)


# A price or cost named outright, or how much a thing is; not how much of it there is (of coffee, of
# data) nor a deal.
_NAMED_PRICE = re.compile(
    r"\b(?:price[sd]?|cost(?:s|ing)?)\b"
    # "how much is a bag of the ethiopia", "how much for the decaf": how much a thing is, not how much
    # of something there is ("how much is in a cup", "how much coffee").
    r"|\bhow\s+much\s+(?:is|are|r|for|4)\b(?!\s+(?:in|there)\b)",
    re.IGNORECASE,
)


def names_a_price(text: str) -> bool:
    """Whether the customer names a price or a cost outright ("what does a bag cost", "is there a big
    price difference") or asks how much a thing is ("how much for the decaf"): a price question whatever
    else the message reads as."""
    return _NAMED_PRICE.search(text) is not None


def about_prices(text: str) -> bool:
    """Whether the customer's words name a price, a cost or a deal (the pricing intent's safety check)."""
    return _PRICE_CUE.search(text) is not None


# A sentence that asks a question: a question word or a verb that opens one, after any greeting.
_ASKS = re.compile(
    r"(?i:(?:(?:hi|hey|hello|hiya|morning)\b\W*(?:there\b\W*)?)?"
    r"(?:do|does|is|are|r|can|could|will|would|what|whats|when|where|which|have|has|got|any)\b)"
)


def price_asked_after_another(text: str) -> bool:
    """Whether the price is asked only after another question ("do you have decaf and how much is
    shipping", "is it unlimited data? and how much is the 500 plan"): the first question asked is the
    one to answer, as with any message of several questions."""
    parts = sentences(text)
    if len(parts) < 2 or _ASKS.match(parts[0].strip()) is None or about_prices(parts[0]):
        return False
    # "what plans do you have and how much are they (a month)" asks one thing: the price of what the first
    # question named, which a price list answers. A price asked of something of its own is a second one.
    return any(
        term not in _PER_WHAT and not _PRICE_CUE.fullmatch(term)
        for part in parts[1:]
        if about_prices(part)
        for term in tokenize(part)
    )


def carries_prices(text: str) -> bool:
    return _PRICE.search(text) is not None


@dataclass(frozen=True)
class PriceSource:
    """Where a pricing question's answer comes from: a knowledge entry or a command."""

    hit: KnowledgeHit | None = None
    command: CommandInfo | None = None


def price_source(
    question: str, hits: Sequence[KnowledgeHit], threshold: float, commands: Sequence[CommandInfo]
) -> PriceSource | None:
    """The entry or command that answers a pricing question best, or None.

    What the customer asks the price of (the question's words without the price words: "house blend"
    in "how much is a bag of your house blend?") decides: the confident entry or the price-listing
    command naming most of it wins, an entry that lists prices before one that does not, an entry
    before the command on a tie. "price?" names nothing, so the command's whole price list answers it.
    An entry that matches the question in full answers it ("how much caffeine is in a cup?").
    """
    subject = {
        term
        for term in tokenize(_NOW.sub(" ", question))
        if not _PRICE_CUE.fullmatch(term) and term not in _WHOLE_LIST
    }
    command = price_command(question, commands)
    if _mostly_foreign(question, subject, hits, command):
        return None
    confident = sorted((hit for hit in hits if hit.score >= threshold), key=lambda hit: -hit.score)
    if not subject:
        if command is not None:
            return PriceSource(command=command)
        priced = [hit for hit in confident if _about_prices(hit)]
        return PriceSource(hit=priced[0]) if priced else None
    ranked: list[tuple[int, int, int, int, PriceSource]] = []
    actions = set(tokenize(" ".join(_ACTION.findall(question))))
    kinds = {term for term in tokenize(_OFFER_AS_VERB.sub(" ", question)) if _KIND_OF_PRICE.fullmatch(term)}
    for hit in confident:
        lists_prices = _about_prices(hit)
        wanted = subject if lists_prices else subject - _UNIT
        # The doing the price is asked of, in the entry's words or in other words ("send" for "shipping").
        shared = len(wanted & (_named_by(hit) | (actions & _met_by(hit))))
        # The kind of price asked ("a discount") that the entry's own question names.
        kind = len(kinds & _met_by(hit) & set(tokenize(hit.question)))
        if shared or kind or hit.score >= FULL_MATCH:
            # An entry that holds no price and meets one word of the subject ("coffee" in "how much are
            # your coffees" and the caffeine entry) shares the tenant's topic, not what the price is of:
            # it answers only where no price list names as much. Meeting two ("a fee to cancel the sub"
            # and the cancellation entry) is what the price is of.
            met = max(shared, len(wanted & _met_by(hit)))
            named = shared if lists_prices or met >= UNPRICED_ENTRY_WORDS else 0
            ranked.append((named, kind, int(lists_prices), 1, PriceSource(hit=hit)))
    if command is not None:
        # A command named after what is asked the price of ("!plans" for "how much are your plans") is
        # that price list, before any entry that names it too.
        named_after = bool(subject & set(tokenize(command.command.lstrip("!/"))))
        ranked.append(
            (len(_listed(subject, command)), 0, 1, 2 if named_after else 0, PriceSource(command=command))
        )
    if not ranked:
        return None
    # Most subject words named, then the kind of price named, then prices listed, then a command named
    # after the subject, an entry, another command, then the best hit.
    ranked.sort(key=lambda item: (item[0], item[1], item[2], item[3]), reverse=True)
    return ranked[0][4]


def _mostly_foreign(
    question: str, subject: set[str], hits: Sequence[KnowledgeHit], command: CommandInfo | None
) -> bool:
    """Whether most of what is asked the price of is something this tenant never mentions.

    "How much is a bag of house blend coffee?" asked of an internet provider: no entry knows "bag",
    "blend" or "coffee" (the search reports them unmatched) and its price list names none of them, so
    the price list is no answer. A word counts by how specific it is (bot/engine/lexicon.py,
    ``generality``): "a return train ticket to the city" is about the ticket, not the return.
    """
    # A word that only suggests an entry's group ("lisbon" for shipping abroad) does not make the
    # subject this tenant's: "how much is a flight to lisbon" is a flight's price.
    unknown = (
        set(tokenize(" ".join([*hits[0].unmatched, *(m.said for m in hits[0].matches if m.kind == "hint")])))
        if hits
        else subject
    )
    listed = _listed(subject, command) if command is not None else set()
    # Each term of the subject as the customer first wrote it.
    said = {stem(word): word for word in reversed(words(question)) if stem(word) in subject}
    return mostly_by_specificity(
        said.values(), lambda word: stem(word) in unknown and stem(word) not in listed
    )


def _listed(subject: set[str], command: CommandInfo) -> set[str]:
    """The terms of ``subject`` that ``command``'s price list names, as written or as the word of a
    place it names ("ethiopian" for "Ethiopia Yirgacheffe", "kenyan" for "Kenya AA"): a listed word of
    five letters or more with one letter added at its end."""
    listed = set(tokenize(command.response))
    return {term for term in subject if term in listed or (len(term) > 5 and term[:-1] in listed)}


# A capitalised word inside a sentence is part of a name ("1 Bean Point for every $1"): what the answer
# names it after is not what a price is asked of.
_NAME_IN_SENTENCE = re.compile(r"(?<=[a-z0-9,;:] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def _named_by(hit: KnowledgeHit) -> set[str]:
    """The terms of the question that ``hit`` answers: its own words, the customer's phrases it met in
    other words ("buy loads" meets "bulk") and the customer's words its keywords hold."""
    said = " ".join(match.said for match in hit.matches if match.kind == "phrase")
    # A word of the question the entry's keywords hold ("early" of "early exit fee"), unless the answer
    # names something after it ("bean points" and the answer's "Bean Point").
    names = set(tokenize(" ".join(_NAME_IN_SENTENCE.findall(hit.answer))))
    kept = " ".join(
        match.said
        for match in hit.matches
        if match.kind == "word"
        and match.field == "keywords"
        and " " not in match.said
        and not set(tokenize(match.said)) & names
    )
    return set(tokenize(f"{hit.question} {_NAME_IN_SENTENCE.sub(' ', hit.answer)} {said} {kept}"))


def _met_by(hit: KnowledgeHit) -> set[str]:
    """The terms of the question the search met in ``hit``, in any way (a word, a synonym, a phrase)."""
    return set(tokenize(" ".join(match.said for match in hit.matches)))


def _about_prices(hit: KnowledgeHit) -> bool:
    return carries_prices(hit.answer) or _ENTRY_PRICE.search(hit.question) is not None


def price_command(question: str, commands: Sequence[CommandInfo]) -> CommandInfo | None:
    """The command whose response lists prices, the one sharing most words with ``question`` first."""
    wanted = set(tokenize(question))
    best: CommandInfo | None = None
    best_overlap = -1
    for command in commands:
        if not carries_prices(command.response):
            continue
        overlap = len(wanted & set(tokenize(command.response)))
        if overlap > best_overlap:
            best, best_overlap = command, overlap
    return best
