"""Score every inbound text: which intent it expresses (built-in or the tenant's own) and its sentiment.

Intent: the text is compared with example phrases. Each phrase and the text become two TF-IDF vectors,
one over word stems and adjacent-stem pairs (what is said) and one over character 3- to 5-grams inside
words (so "thnks", "recieved" and "helo" still land near "thanks", "received" and "hello"); the two
cosine similarities are averaged. An intent scores by its closest phrase and by its centroid (all its
phrases together; the vectors and their index are in bot/engine/intents/phrase_index.py). Tenant
intents are scored the same way against the same weights and compete with
the built-in ones, so a tenant's own phrasing wins where it fits. A greeting before a request, or
thanks after a long one, is politeness: the request is scored on its own, so "Good morning! Do you
have decaf?" is a product question. No I/O; numpy sums the phrase similarities, so a typical message
scores in a small fraction of a millisecond. Accuracy on labelled sets: bench/INTENTS.md, bench/ANSWERS.md.

Sentiment: VADER's compound score adapted to shop customers (bot/engine/intents/sentiment.py).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence

from bot.engine.intents.phrase_index import (
    REPEATS,
    Idf,
    PhraseIndex,
    char_features,
    query_vector,
    word_features,
)
from bot.engine.intents.phrases import BUILTIN_INTENTS, COURTESY_INTENTS, OTHER
from bot.engine.intents.sentiment import HARM_DONE, Sentiment, sentiment_of
from bot.engine.types import IntentDefinition, IntentResult
from bot.engine.word_forms import TEXT_CACHE_SIZE, unstretched

__all__ = [
    "BUILTIN_INTENTS",
    "INTENT_THRESHOLD",
    "MAX_SCORED_CHARS",
    "OTHER",
    "IntentResult",
    "IntentScorer",
    "Sentiment",
    "sentiment_of",
    "thanks_for_a_fix",
]

# When no intent scores this much the text is "other": a weak match is still a guess, and a wrong
# confident intent (say, a handoff) costs more than admitting "other".
INTENT_THRESHOLD = 0.2
# Intent and sentiment both show in the first lines of a message; scoring a pasted essay in full would
# only cost time (VADER alone takes ~5 ms per 1,000 characters).
MAX_SCORED_CHARS = 1000
COMPLAINT = "complaint"
# How much a fully negative message (compound -1) adds to the complaint intent's score.
COMPLAINT_FROM_NEGATIVE = 0.3
GREETING = "greeting"
SUPPORT = "support"
# What a word of malfunction ("invalid", "error", "won't let me") adds to the support intent's score.
SUPPORT_FROM_MALFUNCTION = 0.15
PRICING = "pricing"
# What naming a price ("how much is", "cost", "fee", "$") adds to the pricing intent's score: the
# product named beside it ("how much is the house blend") is shared with buying and asking about it.
PRICING_FROM_PRICE_WORDS = 0.05
# How much less likely "how much caffeine", "how many points" (an amount of a thing) is a price question.
PRICING_FROM_AMOUNTS = 0.1
_PRICE_WORDS = re.compile(
    r"\bhow much (?:is|are|does|do|would|will|for|to)\b"
    r"|\b(?:price[sd]?|pricing|cost|costs|fees?|charges?|tariffs?)\b"
)
_AMOUNT_OF_A_THING = re.compile(
    r"\bhow (?:much|many) (?!(?:is|are|does|do|would|will|for|to|it|they|money)\b)\w"
)
_MALFUNCTION = re.compile(
    r"\b(?:invalid|errors?|not working|(?:does|doesnt|do|dont) not work|doesnt work|dont work|isnt working"
    r"|declined|failed|fails|crash\w*|stuck|glitch\w*|bugs?|(?:will not|wont) (?:let|accept|load|work|open)"
    r"|(?:can not|cannot|cant) (?:log|sign|access|find|pay|open|see))\b"
)

# Harm done by the business's own people ("your technician scratched my wall", "the engineer dug up my
# lawn") is a complaint, whatever the words share with a visit or an installation: it adds this much.
COMPLAINT_FROM_HARM = 0.3
_HARM_DONE = re.compile(HARM_DONE)
_WORD = re.compile(r"\w+")
THANKS = "thanks"
# Thanks for a fix tell that what was wrong works now ("thanks that worked, internet is back!", "thank
# you for the help, wifi is back up"): the fault's words in them are no new report of it. Read as thanks
# at least this surely.
THANKS_FOR_A_FIX_SCORE = 0.8
_THANKS = re.compile(r"\b(?:thanks|thank\s+you|thank\s+u|ty|tysm|cheers|ta)\b")
_FIXED = re.compile(
    r"\b(?:(?:that|it|this)\s+(?:worked|works|helped|did\s+the\s+trick|fixed\s+it|sorted\s+it)"
    r"|(?:is|are|its|s)\s+(?:back|working|fixed|sorted)"
    r"|(?:all|everything|everythings)\s+(?:working|sorted|fixed|good)"
    r"|(?:sorted|fixed|working)\s+(?:now|again)"
    r"|back\s+(?:up|on|online))\b"
)
# ... unless it goes on about what still does not work ("thanks, the router is back but no wifi").
_NOT_FIXED = re.compile(r"\b(?:not|no|never|still|but|except|however|though|stopped|broken|broke)\b")
# Where a message's clauses part: "Hi! Hope you're well. Do you ship to Germany? Thanks in advance!"
_CLAUSE_BREAK = re.compile(r"[.!?,;:\n]+|\s[-\u2013\u2014~]+\s")
# A courtesy opening without punctuation ("hey there what time do you close") is at most this long.
COURTESY_OPENING_WORDS = 2
# How sure the scorer must be that a clause is only a greeting, thanks or goodbye before it is set
# aside: "good" alone leans greeting, but it is no greeting in "good coffee?".
COURTESY_CLAUSE_SURE = 0.75
# Courtesy is short ("hope you're well", "sorry to bother you"): a longer clause is not scored as one.
COURTESY_CLAUSE_WORDS = 4
# What thanks or a goodbye may close: a request of at least this many words ("... how long does
# shipping take? Thanks in advance!"), not small talk ("you're the best, thank you").
CLOSED_REQUEST_WORDS = 5
# How surely a short rest of a polite message must read as a request to take its intent: "I'll be
# off now, take care" leans towards buying ("I'll take it") only by a word or two. A longer rest is a
# request whatever it asks ("Hi! I'm visiting next week, where exactly are you?").
REQUEST_SURE = 0.4
# "what's" and "whats", "don't" and "dont" are the same word to a customer, so apostrophes are dropped.
_APOSTROPHES = re.compile("['\u2019\u02bc`]")

# Contractions once the apostrophe is gone, and chat shorthand, spelled out so that "wheres my order",
# "where's my order" and "where is my order" read alike. Ambiguous forms ("ill", "id", "its") stay.
_SPELLED_OUT = {
    "whats": "what is",
    "wheres": "where is",
    "whens": "when is",
    "hows": "how is",
    "thats": "that is",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "theyre": "they are",
    "lets": "let us",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "havent": "have not",
    "hasnt": "has not",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "hrs": "hours",
}


# A currency sign is a word about money ("$$ for the tote bag?"), though \w+ would drop it.
_CURRENCY = re.compile("[$€£¥]+")


# "How much" asks a price unless it asks the amount of something money is not: notice, data, caffeine.
_QUANTITY = re.compile(
    r"\bhow\s+much\s+(?=(?:notice|data|caffeine|coffee|water|time|space|storage|milk|sugar|is\s+in)\b)"
)


def thanks_for_a_fix(text: str) -> bool:
    """Whether ``text`` thanks for a fix: thanks, and the news that what was wrong works now, with no
    question and nothing still wrong ("thanks that worked, internet is back!")."""
    if "?" in text:
        return False
    plain = " ".join(_words(_normalise(text)))
    return bool(_THANKS.search(plain) and _FIXED.search(plain) and not _NOT_FIXED.search(plain))


@functools.lru_cache(maxsize=TEXT_CACHE_SIZE)  # a turn reads its message and its clauses many times
def _normalise(text: str) -> str:
    lowered = _APOSTROPHES.sub("", text[:MAX_SCORED_CHARS].casefold())
    return _CURRENCY.sub(" price ", _QUANTITY.sub("how many ", lowered))


def _words(normalised: str) -> list[str]:
    return [part for word in _WORD.findall(normalised) for part in _SPELLED_OUT.get(word, word).split()]


def _plain(text: str) -> str:
    """The words of ``text`` with doubled letters single, for looking up a phrase ("heyyy there")."""
    return " ".join(REPEATS.sub(r"\1", word) for word in _words(_normalise(text)))


def _phrases(intents: Iterable[tuple[str, Iterable[str]]]) -> list[tuple[str, str]]:
    return [
        (name, example)
        for name, examples in intents
        if name.strip()
        for example in examples
        if example.strip()
    ]


class IntentScorer:
    """Scores texts against the built-in intents and any tenant's own.

    Build one and share it: the built-in index is made once here, and each distinct set of tenant
    intents is indexed on first use and cached. No I/O beyond VADER loading its bundled lexicon.
    """

    TENANT_CACHE_SIZE = 256
    RECENT_TEXTS = 64

    def __init__(self) -> None:
        builtin = _phrases(BUILTIN_INTENTS.items())
        tokenised = [_words(_normalise(phrase)) for _, phrase in builtin]
        self._known_words = frozenset(itertools.chain.from_iterable(tokenised))
        self._word_idf = Idf.learn([word_features(words) for words in tokenised])
        self._char_idf = Idf.learn([char_features(words) for words in tokenised])
        self._builtin = PhraseIndex(
            [(label, words) for (label, _), words in zip(builtin, tokenised, strict=True)],
            self._word_idf,
            self._char_idf,
        )
        self._greetings = frozenset(_plain(phrase) for phrase in BUILTIN_INTENTS[GREETING])
        self._tenant_index = functools.lru_cache(maxsize=self.TENANT_CACHE_SIZE)(self._index_tenant)
        # A turn reads its text again once it is answered (bot/engine/answered_intent.py): the last few
        # texts' scores are kept, so that second reading costs a lookup.
        self._recent_scores = functools.lru_cache(maxsize=self.RECENT_TEXTS)(self._scores)

    def score(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> IntentResult:
        """The intent and sentiment of ``text``; never raises on odd input (empty, emoji, any language)."""
        sentiment, compound = sentiment_of(text)
        intent, intent_score = self._classify(text, tenant_intents, compound)
        return IntentResult(
            intent=intent, intent_score=intent_score, sentiment=sentiment, sentiment_score=compound
        )

    def intent_scores(self, text: str, tenant_intents: Sequence[IntentDefinition] = ()) -> dict[str, float]:
        """Every intent that shares anything with ``text``, with its similarity in 0..1."""
        key = tuple((intent.name, tuple(intent.examples)) for intent in tenant_intents)
        return dict(self._recent_scores(text, key))

    def _scores(self, text: str, key: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, float]:
        # "heyyy" and "thaaanks" as the words the phrases use ("hey", "thanks").
        words = [unstretched(word, self._known_words) for word in _words(_normalise(text))]
        if not words:
            return {}
        query = query_vector(words, self._word_idf, self._char_idf)
        scores = self._builtin.best_by_label(query)
        if key:
            for name, similarity in self._tenant_index(key).best_by_label(query).items():
                # A tenant may add phrases to a built-in intent: its best phrase from either source.
                scores[name] = max(similarity, scores.get(name, 0.0))
        return {name: min(max(similarity, 0.0), 1.0) for name, similarity in scores.items()}

    def _classify(
        self, text: str, tenant_intents: Sequence[IntentDefinition], compound: float = 0.0
    ) -> tuple[str, float]:
        if thanks_for_a_fix(text):
            return THANKS, max(
                self.intent_scores(text, tenant_intents).get(THANKS, 0.0), THANKS_FOR_A_FIX_SCORE
            )
        intent, score = self._best(text, tenant_intents, compound)
        request = self._without_courtesy(text, tenant_intents)
        if request is not None:
            # "Good morning! Do you have decaf?" asks about decaf: the greeting around a request is
            # politeness, and the request says what the customer wants. A few words of small talk
            # left over ("hi, anyone there?") keep the reading of the whole message; five or more are
            # a request whatever they ask, off-topic included.
            request_intent, request_score = self._best(request, tenant_intents, compound)
            long_request = len(request.split()) >= CLOSED_REQUEST_WORDS
            if request_intent not in COURTESY_INTENTS and (
                long_request or (request_intent != OTHER and request_score >= REQUEST_SURE)
            ):
                return request_intent, request_score
        elif intent == GREETING and len(_words(_normalise(text))) > COURTESY_CLAUSE_WORDS:
            # No greeting opens it, so the greeting words are inside a longer message ("been sat here
            # all morning without a connection"): they say when, not hello.
            return self._best(text, tenant_intents, compound, ignoring=GREETING)
        return intent, score

    def _without_courtesy(self, text: str, tenant_intents: Sequence[IntentDefinition]) -> str | None:
        """``text`` without a greeting before it or thanks after it, or None when it has neither.

        A clause counts as courtesy when the scorer itself reads it so, so "bonjour", "hiya" and "hope
        you're well" are set aside as surely as "hi". Only a greeting opens a request ("thanks that
        fixed it" is thanks), and only a longer request is closed by thanks or a goodbye ("you're the
        best, thank you" is thanks too).
        """
        clauses = [
            clause.strip() for clause in _CLAUSE_BREAK.split(text[:MAX_SCORED_CHARS]) if clause.strip()
        ]
        start, end = 0, len(clauses)
        while start < end - 1 and self._is_courtesy(clauses[start], tenant_intents, (GREETING,)):
            start += 1
        if start == 0 and clauses:
            # No punctuation after it: the first word or two may still be a greeting phrase ("hey
            # there what time do you close"), looked up rather than scored, as most messages have one.
            opening = clauses[0].split()
            for size in range(min(COURTESY_OPENING_WORDS, len(opening) - 1), 0, -1):
                if _plain(" ".join(opening[:size])) in self._greetings:
                    clauses[0] = " ".join(opening[size:])
                    break
        while (
            end - 1 > start
            and len(" ".join(clauses[start : end - 1]).split()) >= CLOSED_REQUEST_WORDS
            and self._is_courtesy(clauses[end - 1], tenant_intents, COURTESY_INTENTS)
        ):
            end -= 1
        request = ", ".join(clauses[start:end])
        return request if _words(_normalise(request)) != _words(_normalise(text)) else None

    def _is_courtesy(
        self, clause: str, tenant_intents: Sequence[IntentDefinition], kinds: Sequence[str]
    ) -> bool:
        if len(clause.split()) > COURTESY_CLAUSE_WORDS:
            return False
        intent, score = self._best(clause, tenant_intents)
        return intent in kinds and score >= COURTESY_CLAUSE_SURE

    def _best(
        self,
        text: str,
        tenant_intents: Sequence[IntentDefinition],
        compound: float = 0.0,
        ignoring: str | None = None,
    ) -> tuple[str, float]:
        scores = self.intent_scores(text, tenant_intents)
        scores.pop(ignoring or "", None)
        if not scores:
            return OTHER, 0.0
        if compound < 0.0 and COMPLAINT in scores:
            # A grievance is told in the words of the thing that went wrong ("you took my money and sent
            # nothing" shares its words with buying): how negative it reads is evidence of a complaint.
            scores[COMPLAINT] = min(1.0, scores[COMPLAINT] + COMPLAINT_FROM_NEGATIVE * -compound)
        plain = " ".join(_words(_normalise(text)))
        if COMPLAINT in scores and _HARM_DONE.search(plain):
            scores[COMPLAINT] = min(1.0, scores[COMPLAINT] + COMPLAINT_FROM_HARM)
        tenant_names = {intent.name for intent in tenant_intents}
        if SUPPORT in scores and _MALFUNCTION.search(_normalise(text)):
            # "the promo code says invalid" is about a promo code, but asks for a fix: something that
            # does not work is a support request whatever it is about. A tenant's own intent for a
            # failure ("outage") is the more precise reading, so the nudge only draws level with one
            # (and a tie goes to the tenant).
            ahead = [scores[name] for name in tenant_names if scores.get(name, 0.0) > scores[SUPPORT]]
            scores[SUPPORT] = min(1.0, scores[SUPPORT] + SUPPORT_FROM_MALFUNCTION, *ahead)
        if PRICING in scores and _PRICE_WORDS.search(plain):
            # A price named outright is what the customer asks about; the rest is what it is of.
            scores[PRICING] = min(1.0, scores[PRICING] + PRICING_FROM_PRICE_WORDS)
        elif PRICING in scores and _AMOUNT_OF_A_THING.search(plain):
            # "How much caffeine", "how many points": an amount of something, not a price.
            scores[PRICING] = max(0.0, scores[PRICING] - PRICING_FROM_AMOUNTS)
        # On a tie the tenant's intent wins: the tenant wrote its phrases for exactly this shop.
        best = max(scores, key=lambda name: (scores[name], name in tenant_names))
        if scores[best] < INTENT_THRESHOLD:
            return OTHER, scores[best]
        return best, scores[best]

    def _index_tenant(self, intents: tuple[tuple[str, tuple[str, ...]], ...]) -> PhraseIndex:
        phrases = [(label, _words(_normalise(phrase))) for label, phrase in _phrases(intents)]
        return PhraseIndex(phrases, self._word_idf, self._char_idf)
