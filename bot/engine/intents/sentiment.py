"""The sentiment of a customer's message: VADER, adapted to what customers of a shop write.

VADER was built for social media, where "please", "free", "help" or "save" carry warmth. In a message
to a shop they are the words of asking, so a polite request read as positive is the commonest error.
And the words a customer uses for a grievance ("overcharged", "mouldy", "still hasn't arrived", "took
my money", "never again", "no internet") are missing from its lexicon or need a phrase to mean
anything. Five adaptations, each a rule about the domain, never about one message:

1. request words and the names of what a shop sells are neutral (the lexicon entries of ASKING_WORDS
   are set to 0: "please", "best", "gift", "loyalty", "credit", ...), and so are chat fillers ("lol",
   "honestly"); "good morning" reads as "morning" (a greeting is not praise) and "thanks in advance"
   as nothing (it closes a request, nothing has been done yet);
2. a few commerce words get a weight (COMMERCE_WORDS: "overcharged", "expensive", "late", thanks in
   chat spelling, ...), and chat spelling is read as the word it stretches or stresses ("slooow" is
   "slow", "super slow" is "very slow");
3. in a question or a request (a clause that ends with "?" or opens with a word of ASKING_OPENERS:
   "what", "is", "can", "recommend", ...) a mild word (|valence| <= MILD) describes what is asked
   about, not how the customer feels: "a good book", "a late fee", "customer support", "the cut off
   for dispatch" are left out of the score; thanks and strong words ("love", "failed") still count;
4. grievance phrases (GRIEVANCES) pull the score to at least GRIEVANCE_SCORE negative, whatever
   VADER made of the rest: an order that never came or was supposed to come, money taken, an engineer
   who did not turn up, a bill that went up unannounced, a customer worn out by the service ("fed up",
   hung up on, contacting for the third time), a parcel that arrived split open or soaking wet, and a
   service that is failing ("not working", "no internet", "keeps buffering", "broadband is down") even
   when the words around it are calm;
5. VADER's own cut-offs then read the score (>= 0.05 positive, <= -0.05 negative).
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.engine.word_forms import unstretched

__all__ = [
    "CONTACTED_AGAIN_AND_AGAIN",
    "HARM_DONE",
    "NEGATIVE_AT",
    "POSITIVE_AT",
    "Sentiment",
    "sentiment_of",
]

Sentiment = Literal["positive", "neutral", "negative"]

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
MAX_SCORED_CHARS = 1000
GRIEVANCE_SCORE = -0.5

# Words of asking and answering: they say what the customer wants, not how they feel about it.
ASKING_WORDS = (
    "please", "help", "like", "want", "free", "safe", "save", "yes", "ok", "okay", "cool", "alright",
    "sure", "care", "interested", "recommend", "ready", "no", "stop",
    "cancel", "accidentally", "pay", "pls", "plz", "accept", "best", "giving",
    # the names of what a shop or a provider sells: a "gift card", "loyalty points", "rewards", a
    # "credit" on a bill or a "speed guarantee" are things asked about, not feelings
    "gift", "loyalty", "reward", "rewards", "credit", "guarantee", "number", "strong", "lover", "holiday",
    # chat fillers: "lol" softens a message, "honestly" stresses one; "hand" is VADER's reading of 👋
    "lol", "honestly", "hand",
)  # fmt: skip
COMMERCE_WORDS = {
    # thanks as customers type it
    "thx": 1.9,
    "thnx": 1.9,
    "thanx": 1.9,
    "thankyou": 1.9,
    "ty": 1.5,
    "ta": 1.5,
    "tysm": 2.0,
    "obliged": 1.5,
    "brill": 2.0,
    # what goes wrong with an order or a price
    "overcharged": -2.0,
    "overpriced": -1.8,
    "ripoff": -2.5,
    "expensive": -1.0,
    "pricey": -0.8,
    "mouldy": -2.0,
    "moldy": -2.0,
    "lukewarm": -1.2,
    "downhill": -1.5,
    "late": -0.8,
    "delayed": -1.0,
    "declined": -1.2,
    # what a customer calls the service they got
    "disgraceful": -2.5,
    "shambles": -2.0,
    "shambolic": -2.0,
    "rubbish": -1.8,
    "diabolical": -2.5,
}
_REWRITES = (
    # A greeting is not praise: "good morning" is "morning".
    (re.compile(r"\bgood\s+(morning|mornin|afternoon|evening|day)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"\brip[\s-]?off\b", re.IGNORECASE), "ripoff"),
    # "what's the damage on delivery" asks a price
    (re.compile(r"\bthe\s+damage\s+(?=on|for)\b", re.IGNORECASE), "the price "),
    # "a ridiculous amount of coffee", "an insane number of orders": how much, not a feeling
    (
        re.compile(
            r"\b(?:ridiculous|crazy|insane|silly|absurd)\s+(?=(?:amounts?|numbers?|quantit\w*)\b)", re.I
        ),
        "large ",
    ),
    (re.compile(r"\bthank\s+you\b", re.IGNORECASE), "thanks"),
    # "who won the world cup" asks about someone else's win
    (
        re.compile(
            r"\b(who\b(?:\s+\w+){0,3}?)\s+(?:won|wins|will\s+win|is\s+winning|is\s+going\s+to\s+win)\b", re.I
        ),
        r"\1",
    ),
    (re.compile("[\U0001f44d\U0001f44c]"), " great "),  # thumbs up, OK hand
    # "thanks in advance" closes a request; it thanks for nothing yet
    (re.compile(r"\b(?:thanks|thx)\s+in\s+advance\b", re.IGNORECASE), ""),
    # "super" before a word intensifies it ("super slow"); alone it is praise ("super, thanks")
    (re.compile(r"\bsuper\s+(?=[a-z])", re.IGNORECASE), "very "),
)
_STRETCHED = re.compile(r"\w*([a-z])\1\1\w*", re.IGNORECASE)
# Words that start a question or a request: a clause opening with one asks about something.
ASKING_OPENERS = frozenset((
    "what", "whats", "how", "hows", "when", "where", "wheres", "who", "whos", "which", "why", "y", "do",
    "does", "did", "is", "isnt", "are", "can", "could", "would", "will", "should", "shall", "may", "any",
    "anyone", "anybody", "tell", "recommend", "suggest", "show", "connect",
))  # fmt: skip
_CLAUSE = re.compile(r"[^,.;:!?\n]+(?:[,.;:!?\n]+|$)|[,.;:!?\n]+")
_WORD = re.compile(r"[\w']+")
# Words that may come before the one that asks: "and what ...", "hi, can ...", "pls tell ..."
_LEAD_INS = frozenset((
    "and", "but", "so", "also", "or", "then", "ok", "okay", "hi", "hey", "hello", "hiya", "please", "pls",
    "plz",
))  # fmt: skip
# In a question a mild word describes what is asked about ("a good book", "a late fee"), not a feeling.
MILD = 2.0
GRATITUDE = frozenset(("thanks", "thank", "thx", "thnx", "thanx", "thankyou", "ty", "ta", "tysm", "cheers"))
_APOSTROPHE = "['\u2019]?"
# Having asked the business again and again ("I've called 4 times"): a grievance here, and a verdict on
# the service to the handoff rules (bot/engine/handoff_rules.py).
CONTACTED_AGAIN_AND_AGAIN = (
    r"(?:called|rang|phoned|contacted|chased|emailed|messaged)\s+(?:you\s+)?"
    r"(?:\d+|three|four|five|several|multiple)\s+times"
)
# Harm done by the business's own people ("your technician scratched my wall", "the engineer drilled
# through a pipe"): a grievance here, and a complaint to the intent scorer (bot/engine/intents/scorer.py).
HARM_DONE = (
    r"\b(?:your|the|ur)\s+(?:technician|engineer|installer|fitter|driver|courier|delivery\s+(?:guy|man|driver)"
    # "the engineer who came drilled straight through a water pipe"
    r"|staff|team)s?\s+(?:who\s+(?:came|visited|called)\s+)?(?:has\s+|have\s+|just\s+)?"
    r"(?:scratched|damaged|dented|broke|smashed|ruined|dug\s+up"
    r"|drilled\s+(?:straight\s+|right\s+)?(?:through|into)|cracked|scuffed|left\s+(?:a\s+)?(?:\w+\s+)?mess)\b"
)
GRIEVANCES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        HARM_DONE,
        rf"\bstill\s+(?:nothing|no\b|not\b|has{_APOSTROPHE}n{_APOSTROPHE}t|have{_APOSTROPHE}n{_APOSTROPHE}t"
        rf"|is{_APOSTROPHE}n{_APOSTROPHE}t|isnt|aren{_APOSTROPHE}t|arent"
        r"|hasnt|havent|waiting|no sign|missing)",
        r"\bnever\s+(?:again|arrived|came|received|got|showed|turned up|answered|replied)",
        r"\b(?:took|taking|takes|take)\s+(?:forever|ages)",
        r"\btook\s+my\s+money|\b(?:charged\s+(?:me\s+)?twice|double[\s-]charged)"
        r"|\bmoney\s+(?:left|taken\s+from|gone\s+from)\s+my\s+account"
        # taken twice: "you took two payments this month", "taken the direct debit twice", overdrawn by it
        r"|\b(?:took|taken|taking)\s+(?:two|2|double)\s+payments\b"
        r"|\b(?:took|taken|charged|debited)\b[^.?!]{0,30}?\btwice\b|\boverdrawn\b",
        r"\b(?:sent|received|got)\s+nothing\b",
        r"\b(?:want|demand|need|give\s+me)\s+my\s+money\s+back|\bdemand\s+a\s+refund|\brefund\s+me\s+now",
        r"\b(?:no\s*one|nobody)\s+(?:has\s+|have\s+|ever\s+)?"
        r"(?:replies|replied|answers|answered|responds|responded|gets back|got back)",
        # kept waiting, let down by a promise, a verdict on the business
        r"\b(?:on\s+hold|been\s+waiting|waited)\s+(?:for\s+)?(?:over\s+|nearly\s+|almost\s+)?"
        r"(?:an?\s+|\d+\s+|two\s+|three\s+)?(?:hours?|hrs?|minutes|mins|ages|forever)\b"
        rf"|\bpromised\b[^.?!]{{0,60}}?\b(?:never|didn{_APOSTROPHE}t|didnt|did\s+not)\b|\bnever\s+happened\b"
        # a promise gone back on: "promised me 25 a month and now I'm being charged 40"
        r"|\bpromised\b[^.?!]{0,60}?\b(?:and|but)\s+now\b"
        r"|\b(?:absolute|complete|total|utter)\s+joke\b|\b(?:is|are|was|such)\s+a\s+joke\b"
        r"|\bleft\s+(?:a\s+)?mess\b|\bleft\s+(?:\w+\s+){1,2}all\s+over\b"
        r"|\bleft\s+(?:it|them|(?:the|my|our)\s+\w+)\s+in\s+(?:a\s+|such\s+a\s+)?(?:state|mess)\b"
        r"|\ball\s+over\s+(?:the|my|our)\s+(?:carpet|floor|hallway|house|drive|driveway|lawn|kitchen)\b"
        r"|\bhole\s+in\s+(?:the|my|our)\s+(?:wall|floor|ceiling|door|lawn)\b",
        r"\bwaste\s+of\s+(?:money|time)",
        # worn out by the service: "fed up", hung up on, the third time of asking
        r"\bfed\s+up\b|\bhung\s+up\s+on\s+(?:me|us)\b"
        rf"|\b(?:third|fourth|fifth|3rd|4th|5th)\s+time\s+(?:(?:i|we)(?:{_APOSTROPHE}ve|{_APOSTROPHE}m|\s+have|\s+am|\s+are)?\s+)?"
        r"(?:contact|call|ask|chas|messag|email|writ|rang|ring|phon|report|told)\w*"
        rf"|\b{CONTACTED_AGAIN_AND_AGAIN}\b",
        # a visit that did not happen, a change nobody announced, a price that rose, less than paid for
        rf"\b(?:didn{_APOSTROPHE}t|didnt|did\s+not)\s+(?:turn|show)\s+up"
        r"|\b(?:nobody|no\s*one)\s+(?:came|turned\s+up|showed\s+up)"
        r"|\bno\s+sign\s+of\s+(?:anyone|anybody|the\s+engineer|it|them|my)\b"
        r"|\b(?:was|were)\s+(?:supposed|meant)\s+to\s+(?:come|arrive|be\s+here|turn\s+up|get\s+here)\b",
        r"\b(?:nobody|no\s*one)\s+told\s+(?:me|us)|\bwithout\s+(?:telling|asking|warning)\s+(?:me|us)",
        r"\b(?:bill|price|payment)s?\s+(?:has\s+|have\s+)?(?:went|gone)\s+up",
        r"\bpaying\s+for\b[^.?!]{0,40}?\b(?:and|but)\s+(?:only\s+)?getting\b|\bonly\s+getting\b",
        # the service failing right now
        rf"\b(?:not|isn{_APOSTROPHE}t|isnt|aren{_APOSTROPHE}t|arent|nothing(?:{_APOSTROPHE}s|\s+is)?)\s+working\b"
        r"|\bnothing\s+works\b|\bnothing\s+(?:will\s+)?loads?\b",
        r"\b(?:no|without(?:\s+any)?(?:\s+a)?)\s+(?:internet|connection|broadband|signal|wifi|wi-fi|service)\b",
        r"\bhalf\s+(?:of\s+)?(?:what|the\s+speed)\b",
        r"\b(?:internet|broadband|wifi|wi-fi|connection|net|signal|network)s?\s+(?:is\s+|has\s+been\s+)?"
        r"(?:so\s+|really\s+|very\s+|completely\s+|totally\s+)?(?:down|dead|slow)\b",
        r"\bkeeps?\s+(?:dropping|buffering|cutting|disconnecting|crashing|freezing)"
        rf"|\b(?:won{_APOSTROPHE}t|wont|will\s+not)\s+stop\s+(?:buffering|dropping|disconnecting|crashing|freezing)"
        r"|\b(?:been|gone)\s+down\s+(?:since|for|all)\b",
        r"\bwrong\s+(?:order|item|items|size|product|bag|parcel)\b|\bmissing\s+(?:items?|from\s+my\s+order)",
        # what arrived damaged, and a bill that rose
        r"\b(?:split|burst|ripped|torn)\s+open\b|\bhole\s+in\s+(?:the|my)\s+(?:packet|bag|box|parcel)\b"
        r"|\bsoaking\s+wet\b|\bsnapped\b",
        r"\b(?:bill|price|payment)s?\s+(?:has\s+|have\s+)?(?:jumped|doubled|shot\s+up)",
        # tired of the bot itself
        r"\b(?:bot|robot|automated|canned)\s+(?:answers|replies|responses)\b",
    )
)

# One pass over the text instead of one per phrase: this runs on every message.
_ANY_GRIEVANCE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in GRIEVANCES), re.IGNORECASE)


@functools.cache
def _vader() -> SentimentIntensityAnalyzer:
    # Loaded on first use, once per process: it reads its bundled lexicon from disk.
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(dict.fromkeys(ASKING_WORDS, 0.0))
    analyzer.lexicon.update(COMMERCE_WORDS)
    return analyzer


@functools.cache
def _mild_words() -> frozenset[str]:
    return frozenset(
        word
        for word, valence in _vader().lexicon.items()
        if valence != 0.0 and abs(valence) <= MILD and word not in GRATITUDE
    )


def sentiment_of(text: str) -> tuple[Sentiment, float]:
    """The sentiment of ``text``: the label and the compound score in -1..1.

    A complaint read as neutral stays neutral: the intent says what the customer wants, the sentiment
    what the words express (a grievance phrase is such words), and inventing a tone the words do not
    carry would blur the two.
    """
    clipped = text[:MAX_SCORED_CHARS]
    if not clipped.strip():
        return "neutral", 0.0
    analyzer = _vader()
    rewritten = clipped
    if _STRETCHED.search(rewritten):
        rewritten = _STRETCHED.sub(lambda match: unstretched(match.group(), analyzer.lexicon), rewritten)
    for pattern, replacement in _REWRITES:
        rewritten = pattern.sub(replacement, rewritten)
    grievance = _ANY_GRIEVANCE.search(rewritten) is not None
    mild = _mild_words()
    scored = "".join(_without_mild_words(clause, mild) for clause in _CLAUSE.findall(rewritten))
    compound = float(analyzer.polarity_scores(scored)["compound"])
    if grievance:
        compound = min(compound, GRIEVANCE_SCORE)
    compound = min(max(compound, -1.0), 1.0)
    if compound >= POSITIVE_AT:
        return "positive", compound
    if compound <= NEGATIVE_AT:
        return "negative", compound
    return "neutral", compound


def _asks(clause: str) -> bool:
    """Whether a clause asks: it ends with "?" or its first word past "and", "hi", "pls" ... asks."""
    if clause.rstrip().endswith("?"):
        return True
    for word in _WORD.findall(clause.lower()):
        if word not in _LEAD_INS:
            return word.replace("'", "") in ASKING_OPENERS
    return False


def _without_mild_words(clause: str, mild: frozenset[str]) -> str:
    """The clause, less its mild words if it asks: "is there a late fee?" -> "is there a  fee?"."""
    words = _WORD.findall(clause.lower())
    if mild.isdisjoint(words) or not _asks(clause):
        return clause
    return _WORD.sub(lambda match: "" if match.group().lower() in mild else match.group(), clause)
