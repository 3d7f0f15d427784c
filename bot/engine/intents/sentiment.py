"""The sentiment of a customer's message: VADER, adapted to what customers of a shop write.

VADER was built for social media, where "please", "free", "help" or "save" carry warmth. In a message
to a shop they are the words of asking, so a polite request read as positive is the commonest error.
And the words a customer uses for a grievance ("overcharged", "mouldy", "still hasn't arrived", "took
my money", "never again") are missing from its lexicon or need a phrase to mean anything. Three
adaptations, each a rule about the domain, never about one message:

1. request words and the names of what a shop sells are neutral (the lexicon entries of ASKING_WORDS
   are set to 0: "please", "best", "gift", "loyalty", "credit", ...), and "good morning" reads as
   "morning": a greeting is not praise;
2. a few commerce words get a weight (COMMERCE_WORDS: "overcharged", "expensive", "late", thanks in
   chat spelling, ...);
3. grievance phrases (GRIEVANCES) pull the score to at least GRIEVANCE_SCORE negative, whatever
   VADER made of the rest.

VADER's own cut-offs then read the score (>= 0.05 positive, <= -0.05 negative).
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["NEGATIVE_AT", "POSITIVE_AT", "Sentiment", "sentiment_of"]

Sentiment = Literal["positive", "neutral", "negative"]

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
MAX_SCORED_CHARS = 1000
GRIEVANCE_SCORE = -0.5

# Words of asking and answering: they say what the customer wants, not how they feel about it.
ASKING_WORDS = (
    "please", "help", "like", "want", "free", "safe", "save", "yes", "ok", "okay", "cool", "alright",
    "sure", "care", "interested", "recommend", "ready", "no", "stop",
    "cancel", "accidentally", "pay", "pls", "plz", "accept", "best",
    # the names of what a shop or a provider sells: a "gift card", "loyalty points", "rewards", a
    # "credit" on a bill or a "speed guarantee" are things asked about, not feelings
    "gift", "loyalty", "reward", "rewards", "credit", "guarantee", "number", "strong", "lover", "holiday",
)  # fmt: skip
COMMERCE_WORDS = {
    # thanks as customers type it
    "thx": 1.9,
    "thnx": 1.9,
    "thanx": 1.9,
    "thankyou": 1.9,
    "ty": 1.5,
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
}
_REWRITES = (
    # A greeting is not praise: "good morning" is "morning".
    (re.compile(r"\bgood\s+(morning|mornin|afternoon|evening|day)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"\brip[\s-]?off\b", re.IGNORECASE), "ripoff"),
    (re.compile(r"\bthank\s+you\b", re.IGNORECASE), "thanks"),
    (re.compile("[\U0001f44d\U0001f44c]"), " great "),  # thumbs up, OK hand
)
_APOSTROPHE = "['\u2019]?"
GRIEVANCES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\bstill\s+(?:nothing|no\b|not\b|has{_APOSTROPHE}n{_APOSTROPHE}t|have{_APOSTROPHE}n{_APOSTROPHE}t"
        r"|hasnt|havent|waiting|no sign|missing)",
        r"\bnever\s+(?:again|arrived|came|received|got|showed|turned up|answered|replied)",
        r"\b(?:took|taking|takes|take)\s+(?:forever|ages)",
        r"\btook\s+my\s+money|\b(?:charged\s+(?:me\s+)?twice|double[\s-]charged)"
        r"|\bmoney\s+(?:left|taken\s+from|gone\s+from)\s+my\s+account",
        r"\b(?:sent|received|got)\s+nothing\b",
        r"\b(?:want|demand|need|give\s+me)\s+my\s+money\s+back|\bdemand\s+a\s+refund|\brefund\s+me\s+now",
        r"\b(?:no\s*one|nobody)\s+(?:replies|replied|answers|answered|responds|responded|gets back|got back)",
        r"\bwaste\s+of\s+(?:money|time)",
        r"\bwrong\s+(?:order|item|items|size|product|bag|parcel)\b|\bmissing\s+(?:items?|from\s+my\s+order)",
    )
)


@functools.cache
def _vader() -> SentimentIntensityAnalyzer:
    # Loaded on first use, once per process: it reads its bundled lexicon from disk.
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(dict.fromkeys(ASKING_WORDS, 0.0))
    analyzer.lexicon.update(COMMERCE_WORDS)
    return analyzer


def sentiment_of(text: str) -> tuple[Sentiment, float]:
    """The sentiment of ``text``: the label and the compound score in -1..1.

    A complaint read as neutral stays neutral: the intent says what the customer wants, the sentiment
    what the words express, and inventing a tone the words do not carry would blur the two.
    """
    clipped = text[:MAX_SCORED_CHARS]
    if not clipped.strip():
        return "neutral", 0.0
    rewritten = clipped
    for pattern, replacement in _REWRITES:
        rewritten = pattern.sub(replacement, rewritten)
    compound = float(_vader().polarity_scores(rewritten)["compound"])
    if any(grievance.search(clipped) for grievance in GRIEVANCES):
        compound = min(compound, GRIEVANCE_SCORE)
    compound = min(max(compound, -1.0), 1.0)
    if compound >= POSITIVE_AT:
        return "positive", compound
    if compound <= NEGATIVE_AT:
        return "negative", compound
    return "neutral", compound
