"""How the scored intent steers an offline answer: prices, order numbers, courtesy templates, close calls.

Plain functions over plain data; the router (bot/engine/router.py) decides when each one applies:
- pricing: the confident knowledge entry or the price-listing command (``!price``) that names what is
  asked the price of (bot/engine/price_steering.py), else the usual answer;
- order_status: without an order number the bot asks for it; with one it answers from the entry that
  tells how to track an order, found by the question plus the intent's own words;
- greeting, thanks and goodbye templates answer only small talk, not a real question that opens
  with "Hi" (the rest of that message is what gets answered);
- two entries the search calls a toss-up become a "did you mean" question, and the customer's pick
  (a quick reply, its number, or its words) gets that entry's answer on the next turn.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.intents.phrases import BUILTIN_INTENTS
from bot.engine.intents.scorer import thanks_for_a_fix
from bot.engine.knowledge_search import is_ambiguous, tokenize
from bot.engine.types import CommandInfo, KnowledgeHit, TemplateInfo
from bot.engine.word_forms import unstretched

__all__ = [
    "COMPLAINT",
    "GREETING",
    "ORDER_STATUS",
    "PRICING",
    "about_an_order",
    "asks_how_to",
    "asks_where_a_known_thing_is",
    "best_two",
    "close_pair",
    "courtesy_template",
    "has_order_number",
    "help_command",
    "offered_options",
    "opens_or_closes",
    "picked_option",
    "question_after_greeting",
    "still_awaited",
    "template_fits",
]

GREETING = "greeting"
PRICING = "pricing"
ORDER_STATUS = "order_status"
COMPLAINT = "complaint"
OTHER = "other"
_COURTESY_INTENTS = ("greeting", "thanks", "goodbye")
# Words added to an order-status question when looking for the entry that tells how to track an order:
# "where is #4521?" shares no word with "How can I track my order?". Not "status": to an internet
# provider that is the network's status page.
ORDER_STATUS_QUERY = "track order tracking parcel delivery"

# A courtesy template ("hi", "thanks", "bye") answers a message of at most this many words whatever its
# intent ("hello hello?"); a longer one only when it is small talk.
COURTESY_MAX_WORDS = 3
# How sure the intent must be before a greeting, thanks or goodbye template answers a message none of
# its keywords matched ("hiya", "ty"): a weak guess at "blorp" is no greeting.
COURTESY_SURE = 0.7
# A longer message the keywords missed ("ok thank u so much!!", "good morning to you all") is small talk
# only when the intent is surer still.
SMALL_TALK_SURE = 0.75
# Small talk is short: a courtesy template answers at most this many words, and only for its own intent.
SMALL_TALK_MAX_WORDS = 8
# ... and a reading this sure of small talk, of at most this many words, when nothing else answers the
# message (courtesy_template): "thank you so much you've been really helpful!!" is thanks, not a question
# the bot failed to catch.
UNANSWERED_SMALL_TALK_SURE = 0.5
UNANSWERED_SMALL_TALK_MAX_WORDS = 12
# What follows a leading "Hi," must have this many words to be a question of its own ("Hi, how are
# you?" is still a greeting; "Hi, how much is a bag of the house blend?" is a pricing question).
GREETING_TAIL_WORDS = 5
# A reply naming one of the offered entries by its words is this short; a longer one is a new question.
PICK_MAX_WORDS = 6

_WORD = re.compile(r"\w+")
_LEADING_GREETING = re.compile(
    r"""^\s*(?:
        (?:hi+|hello+|hey+|hiya|heya|howdy|yo|hola|greetings|good\s+(?:morning|afternoon|evening|day))
        (?:\s+(?:there|all|team|guys|folks|everyone|again))?
        [\s,.!:;~-]*
    )+""",
    re.IGNORECASE | re.VERBOSE,
)
# Words that greet, thank or take leave, after which a name is the person spoken to ("hi Bean",
# "thanks Bean").
_COURTESY_WORDS = (
    r"(?:hi+|hello+|hey+|hiya|heya|howdy|yo|morning|afternoon|evening|good\s+(?:morning|afternoon|evening|day)"
    r"|thanks|thank\s+you|thank\s+u|thx|ty|cheers|ta|bye|goodbye|night|ok|okay)"
)


def without_address(text: str, name: str) -> str:
    """``text`` without the bot's own name where the customer addresses it: after a greeting or thanks
    ("good morning Bean!", "thanks Bean"), or opening the message before a comma ("Bean, do you sell
    decaf?"). A name that is also a word of the business ("Bean") is no question about beans then.
    Anywhere else it stays: "do you sell whole bean" asks about beans."""
    name = name.strip()
    if not name or not text:
        return text
    after_courtesy, opening = _address_patterns(name)
    stripped = opening.sub("", after_courtesy.sub(r"\1", text))
    stripped = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", stripped)).strip()
    return stripped or text


@functools.lru_cache(maxsize=256)
def _address_patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The name after a greeting or thanks, and the name opening a message: built once per bot name."""
    called = re.escape(name)
    return (
        re.compile(rf"(\b{_COURTESY_WORDS}[\s,!.]+){called}\b", re.IGNORECASE),
        re.compile(rf"^\s*{called}\s*[,:!-]\s*", re.IGNORECASE),
    )


_SPACES = re.compile(r"\s{2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,!.?])")


# "#4521", "order 4521", "order no. A-1234", "ref: 88231", or a bare number of four digits or more.
_ORDER_NUMBER = re.compile(
    r"""\#\s?[A-Za-z]{0,4}-?\d{2,}
    | \b(?:order|ref|reference)\s*(?:number|no|nr|id|\#)?\.?\s*:?\s*[A-Za-z]{0,4}-?\d{3,}\b
    | \b[A-Za-z]{0,4}-?\d{4,}\b""",
    re.IGNORECASE | re.VERBOSE,
)
_BARE_NUMBER = re.compile(r"^\W*[A-Za-z]{0,4}-?\d{3,}\W*$")
_ORDER_CUE = re.compile(
    r"\b(?:order\w*|parcel|package|pkg|delivery|deliver\w*|shipment|ship(?:ped|ping)|track\w*|dispatch\w*"
    r"|arriv\w*|courier|sent|posted|my\s+stuff|(?:my|the)\s+(?:recent\s+)?purchase)\b|#\s?\d",
    re.IGNORECASE,
)
# "where's my router?": something of the customer's that may be on its way.
_WHERE_IS_MY = re.compile(r"\bwhere\s*(?:['\u2019]?\s*s|\s+is|\s+are)\s+my\s+(?:new\s+)?(\w+)", re.IGNORECASE)
# "when is my router coming": when something of the customer's arrives, as "where is my router" asks.
_WHEN_IS_MY = re.compile(
    r"\bwhen\s+(?:is|will|does|do|are)\s+my\s+(?:new\s+)?(\w+)\s+(?:be\s+)?(?:coming|arriving|arrive|come"
    r"|getting\s+here|get\s+here|turn(?:ing)?\s+up|(?:be\s+)?delivered|due)\b",
    re.IGNORECASE,
)
# Something that has not come yet, most often something ordered ("my coffee still hasn't come"), but
# an engineer's visit too.
_AWAITED = re.compile(
    r"\b(?:has\s*n.?t|hasnt|have\s*n.?t|havent|yet\s+to)\s+(?:come|got\s+here|reached\s+me|shown\s+up|turned\s+up"
    r"|arrived)\b"
    r"|\bstill\s+waiting\s+(?:for|on)\b"
    # "ordered a week ago and still nothing", "not here yet"
    r"|\bstill\s+nothing\b|\bnothing\s+yet\b|\bstill\s+not\s+(?:here|arrived|come)\b"
    r"|\b(?:not|n.?t)\s+(?:arrived|come|turned\s+up|got\s+here|been\s+delivered)\s+yet\b"
    # "ordered broadband last week, still no box": still no sign of what was ordered.
    r"|\b(?:ordered|bought|purchased)\b.{0,60}\bstill\s+no\b",
    re.IGNORECASE,
)
_HOW_TO = re.compile(
    r"\bhow\s+(?:do|can|could|would|should|to|will\s+i\s+know)\b|\bwhere\s+(?:do|can|could)\s+i\s+(?:see|find|check|look)\b"
    # An order not placed yet has no number to ask for: "if I order tonight, when will it arrive?",
    # "do you send a tracking link once it ships?".
    r"|\b(?:if|once|when|before|after)\s+(?:i|we)\s+(?:order|buy|place|purchase|sign|(?:put|get)\s+(?:an?\s+)?order)\w*"
    r"|\b(?:do|will)\s+(?:you|u)\s+(?:send|email|text|give)\b",
    re.IGNORECASE,
)
# "What can you do?": a question about the bot itself, answered by the tenant's help command.
_ASKS_FOR_HELP = re.compile(
    r"""^\W*(?:(?:hi|hello|hey)\W+)?(?:(?:ok|okay|so|right|um|erm|and|bot|chatbot)\W+)*(?:
        help(?:\s+me|\s+menu)?|commands
        | (?:what|wat|wot)(?:\s+(?:(?:kind|sort|type)s?\s+of|kinda|sorta)\s+(?:things|stuff))?\s+(?:can|could)
          \s+(?:you|u|this\s+(?:bot|chat|chatbot|assistant|thing)|the\s+(?:bot|chat|chatbot|assistant))
          \s+(?:actually\s+|really\s+|even\s+)?(?:do|help(?:\s+me)?(?:\s+with)?|sort\s+out)(?:\s+for\s+me)?
        | how\s+(?:can|could)\s+(?:you|u)\s+help(?:\s+me)?
        | (?:what|wat|wot)\s+(?:do|does)\s+(?:you|u|this\s+(?:bot|chat|chatbot|assistant))\s+do
        | what\s+(?:are|r)\s+(?:you|u)\s+(?:even\s+|actually\s+|really\s+)?able\s+to
          \s+(?:do|help(?:\s+me)?(?:\s+with)?)
        | how\s+does\s+this\s+(?:bot|chat|work)(?:\s+work)?
        | (?:what|wat|wot)\s+(?:(?:(?:kind|sort|type)s?\s+of|kinda|sorta)\s+)?(?:things|questions|stuff)
          \s+can\s+(?:i|we)\s+ask(?:\s+(?:you|u))?
        | (?:what|wat|wot)\s+(?:(?:(?:kind|sort|type)s?\s+of|kinda|sorta)\s+)?(?:things|stuff)
          \s+(?:do|can)\s+(?:you|u)\s+(?:know(?:\s+about)?|answer)
        | (?:what|wat|wot|which)\s+(?:(?:(?:kind|sort|type)s?\s+of|kinda|sorta)\s+)?(?:things|stuff)
          \s+(?:you|u)\s+(?:are\s+able\s+to|can|could)\s+(?:do|help(?:\s+me)?(?:\s+with)?)
    )(?:\s+for\s+(?:me|us))?(?:\s+(?:today|here))?\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# After a clause of its own ("first time using one of these chat things, what sort of stuff can you help me
# with?") the question must be about the bot, not a bare "what can you do" or "help": after "my router is
# broken", they ask for help with it.
_BARE_HELP = re.compile(
    r"^\W*(?:help(?:\s+me)?|commands"
    r"|(?:what|wat|wot)\s+(?:can|could)\s+(?:you|u)\s+(?:actually\s+|really\s+|even\s+)?do)"
    r"(?:\s+for\s+me)?\W*$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.,;:!?]+\s+")
HELP_COMMANDS = ("!help", "/help", "help")
_QUOTED = re.compile("\u201c([^\u201d]+)\u201d")
_ORDINALS = {"1": 0, "1st": 0, "first": 0, "2": 1, "2nd": 1, "second": 1, "last": 1}
_CHOICE_PAYLOAD = re.compile(r"^choice-([12])$")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _phrase(text: str) -> str:
    return " ".join(_words(text))


_COURTESY_PHRASES = frozenset(
    _phrase(phrase) for intent in _COURTESY_INTENTS for phrase in BUILTIN_INTENTS[intent]
)


def question_after_greeting(text: str, intent: str) -> str:
    """The part of ``text`` to answer: a leading "Hi," is dropped when a real question follows it."""
    match = _LEADING_GREETING.match(text)
    if match is None or match.end() == 0:
        return text
    rest = text[match.end() :].strip()
    if not rest:
        return text
    if intent == GREETING and len(_words(rest)) < GREETING_TAIL_WORDS:
        return text
    return rest


def template_fits(template: TemplateInfo, text: str, intent: str) -> bool:
    """Whether a matched template suits the message: courtesy triggers ("hi", "thanks") only for small talk.

    A template matched by any other keyword fits unless the scorer reads the message as about nothing
    this business does (``other``) and it is longer than a bare keyword. One matched only by greeting,
    thanks or goodbye words fits a message of a few words, or a short one whose intent is that kind of
    small talk; "thanks, but where is my order?" is an order question and goes on to be answered.
    """
    haystack = f" {_phrase(text)} "
    matched = [
        keyword
        for keyword in {_phrase(raw) for raw in template.trigger_keywords}
        if keyword and f" {keyword} " in haystack
    ]
    words = len(_words(text))
    if not matched or not all(keyword in _COURTESY_PHRASES for keyword in matched):
        # A message the scorer reads as about nothing this business does ("how many bones are in the
        # human body") met a keyword by chance; a bare keyword ("human?") is still the template's.
        return intent != OTHER or words <= COURTESY_MAX_WORDS
    if words <= COURTESY_MAX_WORDS:
        return True
    # "Hi, hope you're well!" is small talk; "... what does shipping cost? Thanks in advance!" is not.
    own = (
        {_phrase(phrase) for phrase in BUILTIN_INTENTS.get(intent, ())}
        if intent in _COURTESY_INTENTS
        else set()
    )
    # Small talk opens or closes a message: "translate good morning into Spanish" is no greeting.
    phrase = " ".join(_after_interjection(_phrase(text).split()))
    at_an_edge = [keyword for keyword in matched if phrase.startswith(keyword) or phrase.endswith(keyword)]
    return words <= _small_talk_words(text) and any(keyword in own for keyword in at_an_edge)


def has_order_number(text: str) -> bool:
    return _ORDER_NUMBER.search(text) is not None


def is_bare_order_number(text: str) -> bool:
    """A reply that is just a number ("4521", "#4521."), as given when the bot asked for one."""
    return _BARE_NUMBER.match(text) is not None or has_order_number(text)


def asks_how_to(text: str) -> bool:
    """ "How can I track my order?" asks how tracking works; "where is my order?" asks about one order."""
    return _HOW_TO.search(text) is not None


def about_an_order(text: str) -> bool:
    """Whether the customer's words name an order, a parcel or its delivery."""
    return _ORDER_CUE.search(text) is not None


def asks_where_a_known_thing_is(text: str, hits: Sequence[KnowledgeHit]) -> bool:
    """Whether ``text`` asks where something of the customer's is that the knowledge base knows of
    ("where's my router?" of an internet provider), so something on its way, not "where is my
    girlfriend"."""
    match = _WHERE_IS_MY.search(text) or _WHEN_IS_MY.search(text)
    if match is None or not hits:
        return False
    unknown = set(tokenize(" ".join(hits[0].unmatched)))
    return not set(tokenize(match.group(1))) <= unknown


def still_awaited(text: str) -> bool:
    """Whether the customer says something has not come yet ("my coffee still hasn't come")."""
    return _AWAITED.search(text) is not None


def help_command(text: str, commands: Sequence[CommandInfo]) -> CommandInfo | None:
    """The tenant's help command when ``text`` asks what the bot can do ("what can you help me with?")."""
    if _ASKS_FOR_HELP.match(text) is None:
        last = _CLAUSE_END.split(text.strip())[-1]
        if last == text.strip() or _ASKS_FOR_HELP.match(last) is None or _BARE_HELP.match(last):
            return None
    return next((command for command in commands if command.command.casefold() in HELP_COMMANDS), None)


def courtesy_template(
    intent: str, score: float, text: str, templates: Sequence[TemplateInfo], unanswered: bool = False
) -> TemplateInfo | None:
    """The tenant's template for a greeting, thanks or goodbye its keywords missed ("hiya", "ty").

    ``unanswered``: nothing else answers the message (it would get the fallback), so a short one read as
    small talk with less certainty gets the small talk's answer: "appreciate the help" or "heyyy is
    anyone there" are better met with thanks or a greeting than with "Sorry, I didn't quite catch that".
    """
    if intent not in _COURTESY_INTENTS:
        return None
    words = len(_words(text))
    if unanswered:
        if (
            score < UNANSWERED_SMALL_TALK_SURE
            or words > UNANSWERED_SMALL_TALK_MAX_WORDS
            or not opens_or_closes(text, intent)
        ):
            return None
    elif (
        score < COURTESY_SURE
        or words > _small_talk_words(text)
        or (words > COURTESY_MAX_WORDS and score < SMALL_TALK_SURE)
    ):
        return None
    own = {_phrase(phrase) for phrase in BUILTIN_INTENTS[intent]}
    for template in templates:
        keywords = [_phrase(keyword) for keyword in template.trigger_keywords if keyword.strip()]
        if keywords and any(keyword in own for keyword in keywords):
            return template
    return None


def _small_talk_words(text: str) -> int:
    """How long small talk may be: thanks for a fix tell what works now ("thank you for the help, wifi is
    back up"), so they may be longer."""
    return UNANSWERED_SMALL_TALK_MAX_WORDS if thanks_for_a_fix(text) else SMALL_TALK_MAX_WORDS


def opens_or_closes(text: str, intent: str) -> bool:
    """Whether ``text`` begins or ends with one of the intent's phrases: small talk opens or closes a
    message ("translate good morning into spanish" is no greeting, "some question" none either)."""
    said = _after_interjection([_undoubled(unstretched(word, _SMALL_TALK_WORDS)) for word in _words(text)])
    ending = _without_intensifier(said)
    phrases = [_words(phrase) for phrase in BUILTIN_INTENTS[intent]]
    return any(
        phrase and (said[: len(phrase)] == phrase or ending[-len(phrase) :] == phrase) for phrase in phrases
    )


def _undoubled(word: str) -> str:
    """A word of small talk typed with its last letter doubled ("hii", "byee", "heyy") as that word."""
    if word in _SMALL_TALK_WORDS or len(word) < 3 or word[-1] != word[-2]:
        return word
    return word[:-1] if word[:-1] in _SMALL_TALK_WORDS else word


# Words that stretch small talk at its end: "thanks so much", "cheers mate", "thanks a lot".
_INTENSIFIERS = (
    ("so", "much"),
    ("very", "much"),
    ("a", "lot"),
    ("again",),
    ("mate",),
    ("loads",),
    ("x",),
    ("xx",),
)


def _without_intensifier(words: list[str]) -> list[str]:
    for tail in _INTENSIFIERS:
        if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
            return words[: -len(tail)]
    return words


# A word of approval or assent before small talk opens it no less: "brilliant thank you, all working
# again", "ok bye".
_INTERJECTIONS = frozenset(
    """
    ok okay oh ah right great brilliant perfect awesome lovely cool nice amazing fab fantastic excellent
    super wonderful sweet ace champion
    """.split()  # noqa: SIM905
)


def _after_interjection(words: list[str]) -> list[str]:
    return words[1:] if len(words) > 1 and words[0] in _INTERJECTIONS else words


_SMALL_TALK_WORDS = frozenset(word for phrase in _COURTESY_PHRASES for word in phrase.split())


def close_pair(hits: Sequence[KnowledgeHit], threshold: float) -> tuple[KnowledgeHit, KnowledgeHit] | None:
    """The two best entries when the search calls them a toss-up (``is_ambiguous``), else None."""
    if not is_ambiguous(hits, threshold):
        return None
    best, second = sorted(hits, key=lambda hit: hit.score, reverse=True)[:2]
    if best.question.strip() == second.question.strip():
        return None
    return best, second


def best_two(hits: Sequence[KnowledgeHit]) -> tuple[KnowledgeHit, KnowledgeHit] | None:
    """The two best hits with different questions, best first, or None when there are not two."""
    ranked = sorted(hits, key=lambda hit: hit.score, reverse=True)
    for second in ranked[1:]:
        if second.question.strip() != ranked[0].question.strip():
            return ranked[0], second
    return None


def options_text(first: str, second: str) -> str:
    """How the two offered entries read inside the question (quoted, so the next turn can find them)."""
    return f"\u201c{first}\u201d or \u201c{second}\u201d"


@dataclass(frozen=True)
class OfferedOptions:
    first: str
    second: str


def offered_options(bot_said: str, prefix: str, suffix: str) -> OfferedOptions | None:
    """The two entries a "did you mean" question offered, read back from what the bot said."""
    said = bot_said.strip()
    if not (said.startswith(prefix.strip()) and said.endswith(suffix.strip())):
        return None
    quoted = _QUOTED.findall(said)
    return OfferedOptions(quoted[0], quoted[1]) if len(quoted) == 2 else None


def picked_option(text: str, payload: str | None, options: OfferedOptions) -> str | None:
    """Which offered entry the customer picked: a quick reply, "1"/"the second one", or its words."""
    choices = (options.first, options.second)
    for said in (payload, text):
        if not said or not said.strip():
            continue
        value = said.strip()
        by_payload = _CHOICE_PAYLOAD.match(value)
        if by_payload:
            return choices[int(by_payload.group(1)) - 1]
        folded = _phrase(value)
        for choice in choices:
            # Platforms cut button titles short (WhatsApp at 20 characters): a prefix is a pick.
            if folded and _phrase(choice).startswith(folded) and len(folded) >= 3:
                return choice
    words = _words(text)
    positions = {_ORDINALS[word] for word in words if word in _ORDINALS}
    if len(words) <= 4 and len(positions) == 1:
        return choices[positions.pop()]
    if len(words) > PICK_MAX_WORDS:
        return None
    said_terms = set(tokenize(text))
    overlaps = [len(said_terms & set(tokenize(choice))) for choice in choices]
    if max(overlaps) > 0 and overlaps[0] != overlaps[1]:
        return choices[overlaps.index(max(overlaps))]
    return None
