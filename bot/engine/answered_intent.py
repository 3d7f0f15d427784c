"""The intent an offline turn records, read again once the engine has answered it.

The scorer (bot/engine/intents/scorer.py) reads the message alone. The offline answer knows more about
what was asked, and two readings follow from it:

- **Small talk that is not.** A greeting, thanks or goodbye reading of a message of more than a few
  words that no template answered and that neither opens nor closes with small talk ("can I book the
  cafe for a party on a saturday evening", "y is everything buffering tonight") is ``other``, and what
  the answer shows reads it from there.
- **Off-topic.** A message answered with the fallback whose words the tenant mostly never uses (no
  knowledge entry and no command's response knows them; a word counts by how specific it is) is not
  about this business: "how do I renew my passport" asked of a coffee shop, "how much is a bag of
  house blend" asked of an internet provider. It is recorded as ``other`` whatever it asks for, so
  reports and lead scores do not count it as a product question. The informational readings change
  (product_inquiry, support, pricing, purchase_intent, order_status), and so do the weak ones the
  fallback shows to be wrong: a request for a person that did not hand over ("i need a plumber") and
  small talk longer than small talk is ("translate thank you into spanish"; "heyyy" stays a
  greeting). Complaints and the tenant's own intents keep theirs.
- **Answered by an entry.** A message a knowledge entry answers with confidence is about what that
  entry is about (and one the bot answers with a "did you mean", about what its first choice is
  about), and the entry's own question, scored the same way, may say what the message did not:
  - a reading no entry answers (small talk, a complaint the bot answered rather than handed over, a
    request for a person, ``other``) or one of the tenant's own intents (unless read surely,
    ``TENANT_INTENT_SURE``: "no internet since this morning, red light on the box" stays the ISP's
    outage when the router-lights entry answers) gives way to any informational reading of the entry:
    "what time does customer service close" (read as a complaint) answered by
    "What are your customer service opening hours?" is a product inquiry; "how do I turn off the
    internet for the children at bedtime" (read as the ISP's outage) answered by "How do I set up
    parental controls?" is support;
  - ``support`` gives way to ``product_inquiry``: "can I pay with Apple Pay" is phrased like a request
    for help, but an entry about what the business offers ("Which payment methods do you accept?")
    shows it asks about the offer. Not the other way round: an entry's own "How do ..." question reads
    as support as easily ("How do loyalty points work?"), so it cannot overrule a product inquiry;
  - ``pricing`` of a message that names no price ("is there a data cap", "what happens on
    installation day": the scorer's price phrases share their topic words) gives way too, and so does
    that of a message that asks its price question after another ("do you have decaf and how much is
    shipping": the first question is the one answered).
  Any other informational reading stands: the customer's words say more about what they want of an
  entry ("how much is shipping to France") than the entry's question does.
  An entry whose own question is plainly one of the tenant's own intents (read at least
  ``TENANT_INTENT_SURE``: "Is there an outage in my area?" is the ISP's outage) and that answers the
  message with confidence gives that intent to an informational or ``other`` reading: "my neighbours
  cant get online either, is it something on your side" reads as a product inquiry, but the customer
  reports the outage the entry is about. A "did you mean" is not sure enough of its entry for that.
- **Answered by a command.** A turn a command answers is about what the command answers, and the
  opening of its response says that ("Our plans (all unlimited, price per month on 24 months):" is
  pricing, "Here's what I can do:" is ``other``): "what can you help me with" is not a request for
  help with a problem. The router reads a typed command ("!plans") the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from bot.engine.intent_steering import COURTESY_MAX_WORDS, opens_or_closes
from bot.engine.intents.phrases import BUILTIN_INTENTS
from bot.engine.intents.scorer import INTENT_THRESHOLD
from bot.engine.knowledge_search import tokenize
from bot.engine.lexicon import mostly_by_specificity
from bot.engine.price_steering import about_prices, price_asked_after_another
from bot.engine.types import CommandInfo, Decision, IntentResult, KnowledgeHit
from bot.engine.word_forms import STOPWORDS, stem, words

__all__ = ["INFORMATIONAL", "OTHER", "as_answered", "command_reading", "mostly_foreign", "opening"]

OTHER = "other"
SUPPORT = "support"
PRODUCT_INQUIRY = "product_inquiry"
PRICING = "pricing"
HUMAN_REQUEST = "human_request"
COURTESY = frozenset({"greeting", "thanks", "goodbye"})
# A tenant's own intent read this surely stands whatever entry answers: "no internet since this morning,
# red light on the box" is the ISP's outage even when the entry about the router's lights answers it.
TENANT_INTENT_SURE = 0.6
# What a customer asks of the business itself; every other reading says how they ask or feel.
INFORMATIONAL = frozenset({"product_inquiry", "support", "pricing", "purchase_intent", "order_status"})
assert set(BUILTIN_INTENTS) >= INFORMATIONAL
# The readings an entry plainly about a tenant's own intent overrules (the module docstring says why).
_GIVES_WAY_TO_THE_TENANTS = INFORMATIONAL | {OTHER}
# A sentence ends at ".", "!" or "?" before a space ("9am to 6pm. The shop ...", not "$14.50").
_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def as_answered(
    scored: IntentResult,
    decision: Decision,
    question: str,
    hits: Sequence[KnowledgeHit],
    commands: Sequence[CommandInfo],
    read: Callable[[str], tuple[str, float]],
) -> str:
    """The intent of ``scored``, or the one ``decision`` (the answer to ``question``) shows to be better.

    ``read`` reads a text (an entry's question, a command's response) the way the message was read,
    as its intent and score (the router caches it).
    """
    intent = scored.intent
    if (
        intent in COURTESY
        and decision.route != "template"
        and len(question.split()) > COURTESY_MAX_WORDS
        and not opens_or_closes(question, intent)
    ):
        # Small talk neither opens nor closes the message, and no template answered it: "can I book the
        # cafe for a party on a saturday evening" is no goodbye ("heyyy" is still a greeting). What the
        # answer shows may say more.
        intent = OTHER
    if decision.route == "command":
        command = next((c for c in commands if c.command_id == decision.command_id), None)
        return intent if command is None else command_reading(command, read)[0]
    if decision.route == "fallback" and _may_be_off_topic(intent, question):
        return OTHER if mostly_foreign(question, hits, commands) else intent
    if decision.route not in ("knowledge", "clarify") or not decision.knowledge_entry_ids:
        return intent
    # The router recorded how its first choice's own question reads (Decision.offered_entry_intent).
    entry = decision.offered_entry_intent
    if (
        decision.route == "knowledge"
        and entry is not None
        and entry not in BUILTIN_INTENTS
        and intent in _GIVES_WAY_TO_THE_TENANTS
    ):
        offered = next((hit for hit in hits if hit.entry_id == decision.knowledge_entry_ids[0]), None)
        if offered is not None and read(offered.question)[1] >= TENANT_INTENT_SURE:
            return entry
    allowed = _readings_an_entry_may_give(intent, scored.intent_score, question)
    if not allowed or entry is None:
        return intent
    return entry if entry in allowed else intent


def command_reading(command: CommandInfo, read: Callable[[str], tuple[str, float]]) -> tuple[str, float]:
    """The intent and score of what ``command`` answers: the reading of its response's opening, or,
    when that names no intent (a bare "Open 9am-6pm, Mon-Sat."), of the command's name ("hours")."""
    intent, score = read(opening(command.response))
    if intent == OTHER and score < INTENT_THRESHOLD:
        name = command.command.strip().lstrip("!").replace("_", " ").replace("-", " ")
        named, named_score = read(name)
        if named != OTHER:
            return named, named_score
    return intent, score


def opening(response: str) -> str:
    """The opening of a command's response, which says what it answers: its first line, up to the end
    of the first sentence ("Our prices (12 oz bag):", "Network status: all services are running
    normally.", "Here's what I can do:")."""
    line = next((line.strip() for line in response.splitlines() if line.strip()), "")
    found = _SENTENCE_END.search(line)
    return line[: found.start() + 1] if found else line


def _may_be_off_topic(intent: str, question: str) -> bool:
    """Whether a fallback may show ``intent`` to be a question for another business."""
    if intent in INFORMATIONAL or intent == HUMAN_REQUEST:
        return True
    return intent in COURTESY and len(question.split()) > COURTESY_MAX_WORDS


def _readings_an_entry_may_give(intent: str, score: float, question: str) -> frozenset[str]:
    """The entry readings that overrule ``intent`` (the module docstring says why)."""
    if intent not in BUILTIN_INTENTS and score >= TENANT_INTENT_SURE:
        return frozenset()
    if intent not in INFORMATIONAL:
        return INFORMATIONAL
    if intent == SUPPORT:
        return frozenset({PRODUCT_INQUIRY})
    if intent == PRICING and (not about_prices(question) or price_asked_after_another(question)):
        return INFORMATIONAL
    return frozenset()


def mostly_foreign(question: str, hits: Sequence[KnowledgeHit], commands: Sequence[CommandInfo]) -> bool:
    """Whether most of what ``question`` is about is words the tenant never uses.

    A word counts by how specific it is (bot/engine/lexicon.py, ``generality``): "invoice" in "who do I
    contact about a wrong invoice" says what the question is about, "wrong" hardly does.
    """
    # A number says how many or which, not what the question is about.
    asked = {word for word in words(question) if word not in STOPWORDS and not word.isdigit()}
    unknown = {stem(word) for hit in hits[:1] for part in hit.unmatched for word in words(part)}
    listed = _command_words(tuple(command.response for command in commands))
    return mostly_by_specificity(
        asked, lambda word: (not hits or stem(word) in unknown) and stem(word) not in listed
    )


@functools.lru_cache(maxsize=256)
def _command_words(responses: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tokenize(" ".join(responses)))
