"""When the bot hands a conversation to a person, what it says then, and what the agent reads first.

The rules (each a bot setting): the customer asks for a person (the human_request intent, or one of the
bot's own phrases); an escalation intent (complaint by default) scored above the bot's threshold; a run
of negative messages; a run of fallbacks; the LLM's handoff_to_human tool; the LLM failing on a bot set
to hand over. The customer gets the tenant's handoff message (and, outside business hours, when someone
will answer); the agent gets a summary built from the turn's plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import prompts
from bot.engine.intents.sentiment import CONTACTED_AGAIN_AND_AGAIN
from bot.engine.render import render, turn_values
from bot.engine.types import IntentResult, Reply, Turn

HUMAN_REQUEST = "human_request"
COMPLAINT = "complaint"
# The human_request intent must be this sure before it hands over on its own (a weak guess is not a wish).
HUMAN_REQUEST_THRESHOLD = 0.45
NEGATIVE = "negative"
# How sure an angry message (see ``sounds_angry``) is taken to be a complaint, whatever its intent reads.
SURE_ESCALATION = 0.8

_WORD = re.compile(r"\w+")
# What anger sounds like beyond negative words: shouting, and demands and verdicts on the business.
# Shouting is a run of capitals longer than an acronym ("WORST", not "ASUS" or "WIFI").
_SHOUTING = re.compile(r"!{2,}|\b[A-Z]{5,}\b")
# A verdict on the business or a demand of it: such a customer wants a person, whatever an entry says.
_VERDICT = re.compile(
    # "worst in the evening" says when the fault is at its worst, not what the customer thinks of anyone.
    r"(?i:\b(?:disgrace\w*|disgusting|unacceptable|worst(?! (?:in|at|during|when|on|around|after|before)\b)"
    r"|never again|appalling|sort (?:it|this|that|your(?: \w+){0,2}) out|scam\w*|rip ?off"
    # Staff who were rude to the customer.
    r"|(?:was|were|been|is|are) (?:really |so |very |incredibly |extremely |quite )?rude"
    r"|(?:terrible|awful|horrible|poor|bad|shocking) (?:customer )?service"
    r"|(?:no ?one|nobody) (?:has |ever )?(?:got back|gets back|come back|came back|comes back|replied|replies"
    r"|answered|answers|called|calls)"
    # The same thing asked again and again: "I've called 4 times about the same fault".
    rf"|{CONTACTED_AGAIN_AND_AGAIN}"
    r"|(?:third|fourth|fifth|3rd|4th|5th) time (?:i'?ve |i have |we'?ve |i'?m |i am )?"
    r"(?:called|rung|rang|phoned|contacted|contacting|chased|chasing|emailed|messaged|asked|complained)"
    # Kept on hold for hours, and a demand to have it sorted.
    r"|on hold (?:for )?(?:over |nearly |almost )?(?:an? |\d+ |two |three )?(?:hours?|hrs?)"
    r"|(?:want|get) (?:this|it) (?:sorted|dealt with)"
    # Money taken twice: a billing error only a person can put right.
    r"|charged (?:me |us )?twice|double[ -]?charged"
    r"|(?:took|taken|taking) (?:money|payment)\b[^.!?]{0,30}?\btwice"
    # Money taken once the customer had left: "you took money out of my account after I cancelled".
    r"|(?:took|taken|taking|charged|charging|billed|billing|debited)\b[^.!?]{0,40}?\bafter (?:i|we)"
    r"(?:'?ve| have| had)? (?:cancell?ed|left|closed))\b)"
)
# Exasperation and urgency: angry, but about the problem ("signal is rubbish upstairs", "fed up, want to
# end my contract asap"), which the entry written for it may still solve.
_EXASPERATION = re.compile(
    # "a ridiculous amount of coffee" says how much, not what the customer thinks of the business.
    r"(?i:\b(?:right now|immediately|asap|ridiculous(?!\s+(?:amounts?|numbers?|quantit\w*)\b)"
    r"|a joke|useless|rubbish|pathetic|furious|livid|fed up|had enough|sick of)\b)"
)


# Asking for a person in so many words, however long the message around it ("Need to talk to a manager
# about a wholesale delivery that went completely wrong", "can someone please look at my account"): the
# intent scorer's similarity fades in a long message, the request does not.
_ASKS_FOR_A_PERSON = re.compile(
    r"(?i:\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a|the|your|an|some)?\s*(?:(?:actual|real|live|proper)\s+)?"
    r"(?:manager|human|person|agent|someone|somebody|supervisor"
    r"|member\s+of\s+(?:staff|your\s+team)|staff)\b"
    r"|\b(?:someone|somebody)\s+(?:from\s+(?:your|the)\s+(?:team|company|shop|office)\s+)?(?:to\s+)?"
    r"(?:call|ring|phone|telephone)\s+me\b"
    r"|\b(?:can|could)\s+(?:someone|somebody|a\s+member\s+of\s+(?:staff|your\s+team|the\s+team)|a\s+person"
    r"|a\s+human|an\s+agent)\s+(?:\w+\s+)?(?:help\s+me|look\s+(?:at|into)|check|sort)\b"
    # "is there a real human I can talk to", "is there anyone real there i can talk to"
    r"|\b(?:(?:a|an)\s+(?:real|actual|live)\s+(?:human|person)|(?:anyone|anybody|someone|somebody)\s+real"
    r"(?:\s+there)?)\s+(?:i|we)\s+(?:can|could)\s+(?:talk|speak|chat)\b"
    # "I just want a real person to look at my account", "transfer me to a colleague"
    r"|\b(?:want|need)\s+(?:a|an)\s+(?:(?:real|actual|live|proper)\s+)?(?:human|person|agent)\b"
    r"|\b(?:transfer|put)\s+me\s+(?:through\s+)?to\s+(?:a|an|your|another|the)\s+"
    r"(?:colleague|human|person|agent|manager|supervisor)\b"
    # "I want this escalated", "please escalate my case": only a person can.
    r"|\bescalat(?:e|ed|ing)\b)"
)


@dataclass(frozen=True)
class HandoffRequest:
    trigger: str  # customer_request, intent, sentiment, fallback, llm_tool
    reason: str


def rule_for(turn: Turn, text: str, scored: IntentResult) -> HandoffRequest | None:
    """The first handoff rule this message meets, if any (the fallback and LLM rules come later)."""
    bot = turn.bot
    if _says_a_phrase(text, bot.handoff_phrases) or _ASKS_FOR_A_PERSON.search(text):
        return HandoffRequest("customer_request", "the customer asked for a person")
    if scored.intent == HUMAN_REQUEST and scored.intent_score >= HUMAN_REQUEST_THRESHOLD:
        return HandoffRequest("customer_request", "the customer asked for a person")
    if scored.intent in bot.escalation_intents:
        strength = escalation_strength(scored)
        if strength >= bot.escalation_threshold:
            return HandoffRequest("intent", f"{scored.intent} (score {strength:.2f})")
    if (
        COMPLAINT in bot.escalation_intents
        and bot.escalation_threshold <= SURE_ESCALATION
        and scored.sentiment == NEGATIVE
        and sounds_angry(text)
    ):
        # "You charged my card twice!!! Sort it out" may read as a support request, but a customer who
        # shouts and demands is complaining, whatever the words are about: a sure complaint, as far as
        # the bot's threshold is concerned.
        return HandoffRequest("intent", f"complaint (an angry message, score {SURE_ESCALATION:.2f})")
    run = turn.conversation.consecutive_negative + 1
    if scored.sentiment == NEGATIVE and 0 < bot.handoff_after_negative <= run:
        return HandoffRequest("sentiment", f"{run} negative messages in a row")
    return None


def escalation_strength(scored: IntentResult) -> float:
    """How sure the bot is that an escalation intent needs a person: the intent's score, raised by anger.

    An angry complaint is worded in a hundred ways, so its intent score alone is often middling ("this
    is the worst coffee I've ever had, never again" scores about 0.5); how negative it reads is the
    other half of the evidence. The two combine as a noisy-or, so a calm complaint keeps its score and
    a clearly negative one passes the default threshold.
    """
    anger = -scored.sentiment_score if scored.sentiment == NEGATIVE else 0.0
    return 1.0 - (1.0 - scored.intent_score) * (1.0 - min(max(anger, 0.0), 1.0))


def sounds_angry(text: str) -> bool:
    """Whether a message shouts, demands or condemns ("!!!", "WORST", "sort it out", "ridiculous").

    Disappointment is not anger: "the parcel came crushed, really disappointing" reads as strongly
    negative, yet the customer is best served by the answer about damaged parcels.
    """
    return _SHOUTING.search(text) is not None or condemns(text)


def condemns(text: str) -> bool:
    """Whether a message demands, passes a verdict ("sort it out", "unacceptable") or is exasperated
    ("this is a joke", "fed up"), beyond shouting."""
    return passes_verdict(text) or _EXASPERATION.search(text) is not None


def passes_verdict(text: str) -> bool:
    """Whether a message passes a verdict on the business or demands of it ("unacceptable", "worst",
    "sort it out", "nobody has replied"): a person should answer it, whatever the knowledge base holds."""
    return _VERDICT.search(text) is not None


def negative_run(turn: Turn, scored: IntentResult | None) -> int:
    """The run of negative customer messages after this one (a neutral or positive one ends it)."""
    if scored is None:
        return turn.conversation.consecutive_negative
    return turn.conversation.consecutive_negative + 1 if scored.sentiment == NEGATIVE else 0


def handoff_replies(turn: Turn, before: str | None = None) -> tuple[Reply, ...]:
    """What the customer is told: an answer the model gave first (if any), the tenant's handoff message,
    and outside business hours when someone will answer."""
    values = turn_values(turn)
    wording = turn.bot.handoff_text if turn.bot.handoff_text and turn.bot.handoff_text.strip() else None
    texts = [before] if before and before.strip() else []
    texts.append(render(wording or prompts.load("handoff"), values))
    if turn.out_of_hours_note:
        texts.append(turn.out_of_hours_note)
    return tuple(Reply(text) for text in texts)


def summary(turn: Turn, request: HandoffRequest, scored: IntentResult | None) -> str:
    """The handoff summary the agent reads first, from the stored turns and this message."""
    customer = turn.customer.full_name or turn.customer.first_name or "an unnamed customer"
    lines = [f"Handed over because: {request.reason} ({request.trigger})."]
    lines.append(f"Customer: {customer}" + (f", {turn.customer.phone}" if turn.customer.phone else "") + ".")
    lines.append(f"Lead: {turn.lead_stage}, score {turn.lead_score}.")
    if turn.source:
        lines.append(f"Came from: {turn.source}.")
    intents = list(turn.recent_intents)
    if scored is not None:
        intents.append(scored.intent)
    if intents:
        lines.append("Last intents: " + ", ".join(intents[-5:]) + ".")
    if turn.inbound.text:
        lines.append(f"Last message: {_shorten(turn.inbound.text)}")
    answers = [item.text for item in turn.history if item.role == "assistant"][-2:]
    for answer in answers:
        lines.append(f"The bot said: {_shorten(answer)}")
    return "\n".join(lines)


def _says_a_phrase(text: str, phrases: tuple[str, ...]) -> bool:
    words = " " + " ".join(_WORD.findall(text.casefold())) + " "
    for phrase in phrases:
        wanted = " ".join(_WORD.findall(phrase.casefold()))
        if wanted and f" {wanted} " in words:
            return True
    return False


def _shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
