"""Score every inbound text: which intent it expresses (built-in or the tenant's own) and its sentiment.

Intent: the text is compared with example phrases. Each phrase and the text become two TF-IDF vectors,
one over word stems and adjacent-stem pairs (what is said) and one over character 3- to 5-grams inside
words (so "thnks", "recieved" and "helo" still land near "thanks", "received" and "hello"); the two
cosine similarities are averaged. An intent scores by its closest phrase and by its centroid (all its
phrases together). Tenant intents are scored the same way against the same weights and compete with
the built-in ones, so a tenant's own phrasing wins where it fits. A greeting before a request, or
thanks after a long one, is politeness: the request is scored on its own, so "Good morning! Do you
have decaf?" is a product question. No I/O; numpy sums the phrase similarities, so a typical message
scores in a small fraction of a millisecond. Accuracy on labelled sets: bench/INTENTS.md, bench/ANSWERS.md.

Sentiment: VADER's compound score adapted to shop customers (bot/engine/intents/sentiment.py).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.intents.phrases import BUILTIN_INTENTS, COURTESY_INTENTS, OTHER
from bot.engine.intents.sentiment import Sentiment, sentiment_of
from bot.engine.knowledge_search import stem
from bot.engine.types import IntentDefinition, IntentResult
from bot.engine.word_forms import unstretched

__all__ = [
    "BUILTIN_INTENTS",
    "INTENT_THRESHOLD",
    "MAX_SCORED_CHARS",
    "OTHER",
    "IntentResult",
    "IntentScorer",
    "Sentiment",
    "sentiment_of",
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
# Words carry the meaning, characters forgive the spelling. In cross-validation over the built-in
# phrases (each fifth scored against the rest) any weight from 0.3 to 0.7 did about as well; an equal
# say is the plain choice.
WORD_WEIGHT = 0.5
CHAR_NGRAM_SIZES = (3, 4, 5)

_WORD = re.compile(r"\w+")
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
_NUMBER = "0"
_REPEATS = re.compile(r"(.)\1+")

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
}


# A currency sign is a word about money ("$$ for the tote bag?"), though \w+ would drop it.
_CURRENCY = re.compile("[$€£¥]+")


# "How much" asks a price unless it asks the amount of something money is not: notice, data, caffeine.
_QUANTITY = re.compile(
    r"\bhow\s+much\s+(?=(?:notice|data|caffeine|coffee|water|time|space|storage|milk|sugar|is\s+in)\b)"
)


def _normalise(text: str) -> str:
    lowered = _APOSTROPHES.sub("", text[:MAX_SCORED_CHARS].casefold())
    return _CURRENCY.sub(" price ", _QUANTITY.sub("how many ", lowered))


def _words(normalised: str) -> list[str]:
    return [part for word in _WORD.findall(normalised) for part in _SPELLED_OUT.get(word, word).split()]


def _plain(text: str) -> str:
    """The words of ``text`` with doubled letters single, for looking up a phrase ("heyyy there")."""
    return " ".join(_REPEATS.sub(r"\1", word) for word in _words(_normalise(text)))


def _word_features(words: Sequence[str]) -> Counter[str]:
    """Stems and adjacent-stem pairs: "how much" means pricing in a way "how" and "much" alone do not."""
    stems = [_NUMBER if word.isdigit() else stem(word) for word in words]
    features = Counter(stems)
    features.update(f"{first} {second}" for first, second in itertools.pairwise(stems))
    return features


# Character n-grams share one feature space with word stems behind this mark, which no word contains.
_CHAR_MARK = "|"


def _char_features(words: Sequence[str]) -> Counter[str]:
    """Character n-grams (marked) inside each space-padded word, so a typo spoils only the n-grams it
    touches."""
    return Counter(itertools.chain.from_iterable(map(_char_ngrams, words)))


# Messages reuse the same few thousand words, and cutting each word into n-grams again was a fifth of
# scoring a message.
@functools.lru_cache(maxsize=4096)
def _char_ngrams(word: str) -> tuple[str, ...]:
    """The marked character n-grams of one word, shortest first."""
    # Doubled letters are the commonest slip ("adress", "tommorow") and the commonest emphasis
    # ("hiii", "byeee"); without them both spellings share every n-gram.
    padded = " " + _REPEATS.sub(r"\1", word) + " "
    return tuple(
        _CHAR_MARK + padded[i : i + size] for size in CHAR_NGRAM_SIZES for i in range(len(padded) - size + 1)
    )


@dataclass(frozen=True)
class _Idf:
    """Inverse document frequencies learned from the built-in phrases and reused for every tenant.

    A feature the built-in phrases never use (a tenant's "wholesale") gets the highest weight, which is
    what it deserves: it is the rarest thing the scorer has seen.
    """

    weights: dict[str, float]
    unseen: float

    @classmethod
    def learn(cls, documents: Sequence[Counter[str]]) -> _Idf:
        document_frequency: Counter[str] = Counter()
        for features in documents:
            document_frequency.update(features.keys())
        n = len(documents)
        # Smoothed so that a feature in every phrase still counts for a little.
        weights = {feature: math.log((1 + n) / (1 + df)) + 1.0 for feature, df in document_frequency.items()}
        return cls(weights=weights, unseen=math.log(1 + n) + 1.0)

    def vector(self, features: Counter[str]) -> dict[str, float]:
        """Sublinear TF times IDF, scaled to unit length (empty when there are no features)."""
        raw = {
            feature: (1.0 + math.log(count)) * self.weights.get(feature, self.unseen)
            for feature, count in features.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in raw.values()))
        return {feature: weight / norm for feature, weight in raw.items()} if norm else {}


def _query(words: Sequence[str], word_idf: _Idf, char_idf: _Idf) -> dict[str, float]:
    """Both unit vectors of ``words`` in one dict: stems and pairs as they are, n-grams marked."""
    return word_idf.vector(_word_features(words)) | char_idf.vector(_char_features(words))


def _weighted(word_vector: dict[str, float], char_vector: dict[str, float]) -> dict[str, float]:
    """A phrase's side of the similarity: its dot product with a query is the weighted mean of the
    word and the character cosines."""
    weighted = {feature: WORD_WEIGHT * weight for feature, weight in word_vector.items()}
    weighted.update((feature, (1.0 - WORD_WEIGHT) * weight) for feature, weight in char_vector.items())
    return weighted


class _Vectors:
    """Sparse vectors in groups, stored by feature (each feature's run of vector numbers and weights),
    so that a query's dot product with all of them touches only the features it has.

    Most messages share some character n-gram with most phrases, so a query touches tens of thousands
    of (vector, weight) pairs: numpy gathers and sums them in one pass, where a Python loop over them
    took a third of an offline decision.
    """

    def __init__(self, groups: Sequence[Sequence[dict[str, float]]], columns: dict[str, int]) -> None:
        # Each group's vectors side by side, so that its best similarity is one reduction over its run.
        runs: list[list[tuple[int, float]]] = [[] for _ in columns]
        group_starts = []
        position = 0
        for group in groups:
            assert group, "an empty group has no best similarity"
            group_starts.append(position)
            for vector in group:
                for feature, weight in vector.items():
                    runs[columns[feature]].append((position, weight))
                position += 1
        self.size = position
        self._group_starts = np.array(group_starts, dtype=np.intp)
        self._starts = np.zeros(len(runs) + 1, dtype=np.intp)
        np.cumsum([len(run) for run in runs], out=self._starts[1:])
        self._rows = np.array([position for run in runs for position, _ in run], dtype=np.intp)
        self._weights = np.array([weight for run in runs for _, weight in run], dtype=np.float64)

    def best(self, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each group's highest dot product with the query that has ``weights`` at ``columns`` (0.0 for
        a group that shares no feature with it: all weights are positive)."""
        starts = self._starts[columns]
        lengths = self._starts[columns + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self._group_starts))
        # Where each column's pairs lie, run together: a run counts up from its column's start.
        at = np.arange(total, dtype=np.intp) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        sums = np.bincount(
            self._rows[at], weights=self._weights[at] * np.repeat(weights, lengths), minlength=self.size
        )
        return np.maximum.reduceat(sums, self._group_starts)


class _PhraseIndex:
    """Example phrases as unit vectors behind inverted lists: a query touches only the phrases it shares
    a feature with, so scoring stays well under a millisecond for a typical message.

    Each label also gets a centroid, the normalised sum of its phrases: it knows every word the label's
    phrases use, so "any offers on?" finds pricing through "offer" even though no single pricing
    phrase is close to it.
    """

    def __init__(self, phrases: Sequence[tuple[str, str]], word_idf: _Idf, char_idf: _Idf) -> None:
        by_label: dict[str, list[dict[str, float]]] = {}
        word_sums: dict[str, Counter[str]] = {}
        char_sums: dict[str, Counter[str]] = {}
        for label, phrase in phrases:
            words = _words(_normalise(phrase))
            word_vector = word_idf.vector(_word_features(words))
            char_vector = char_idf.vector(_char_features(words))
            by_label.setdefault(label, []).append(_weighted(word_vector, char_vector))
            word_sums.setdefault(label, Counter()).update(word_vector)
            char_sums.setdefault(label, Counter()).update(char_vector)
        self._labels = tuple(by_label)
        # The centroids' features are the phrases' own, so one numbering serves both.
        every_phrase = [vector for vectors in by_label.values() for vector in vectors]
        self._columns = {
            feature: column
            for column, feature in enumerate(dict.fromkeys(itertools.chain.from_iterable(every_phrase)))
        }
        centroids = [[_weighted(_unit(word_sums[label]), _unit(char_sums[label]))] for label in self._labels]
        # Phrases and centroids in one index, each label's phrases a group and its centroid another:
        # one gather over both costs half the numpy calls of two.
        self._vectors = _Vectors([*by_label.values(), *centroids], self._columns)

    def best_by_label(self, query: dict[str, float]) -> dict[str, float]:
        """Each label's similarity to ``query``; labels with no feature in common are absent."""
        # Features no phrase has (column -1) cannot add to any dot product.
        columns = np.fromiter(
            map(self._columns.get, query, itertools.repeat(-1)), dtype=np.intp, count=len(query)
        )
        weights = np.fromiter(query.values(), dtype=np.float64, count=len(query))
        known = columns >= 0
        best = self._vectors.best(columns[known], weights[known]).tolist()
        labels = len(self._labels)
        # A phrase sharing a feature with the query puts that feature in its label's centroid too.
        return {
            label: _combine(nearest, centroid)
            for label, nearest, centroid in zip(self._labels, best[:labels], best[labels:], strict=True)
            if centroid > 0.0
        }


def _combine(nearest: float, centroid: float) -> float:
    """Either kind of evidence can carry a label, and both together carry it further (a "noisy or").

    A text equal to an example phrase scores 1.0 whatever the centroid says, so a tenant's threshold
    of 0.8 means "close to a phrase", not "close to a phrase and typical of the label".
    """
    return 1.0 - (1.0 - nearest) * (1.0 - centroid)


def _unit(vector: Counter[str]) -> dict[str, float]:
    norm = math.sqrt(sum(weight * weight for weight in vector.values()))
    return {feature: weight / norm for feature, weight in vector.items()} if norm else {}


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
        self._word_idf = _Idf.learn([_word_features(words) for words in tokenised])
        self._char_idf = _Idf.learn([_char_features(words) for words in tokenised])
        self._builtin = _PhraseIndex(builtin, self._word_idf, self._char_idf)
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
        query = _query(words, self._word_idf, self._char_idf)
        scores = self._builtin.best_by_label(query)
        if key:
            for name, similarity in self._tenant_index(key).best_by_label(query).items():
                # A tenant may add phrases to a built-in intent: its best phrase from either source.
                scores[name] = max(similarity, scores.get(name, 0.0))
        return {name: min(max(similarity, 0.0), 1.0) for name, similarity in scores.items()}

    def _classify(
        self, text: str, tenant_intents: Sequence[IntentDefinition], compound: float = 0.0
    ) -> tuple[str, float]:
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
        tenant_names = {intent.name for intent in tenant_intents}
        if SUPPORT in scores and _MALFUNCTION.search(_normalise(text)):
            # "the promo code says invalid" is about a promo code, but asks for a fix: something that
            # does not work is a support request whatever it is about. A tenant's own intent for a
            # failure ("outage") is the more precise reading, so the nudge only draws level with one
            # (and a tie goes to the tenant).
            ahead = [scores[name] for name in tenant_names if scores.get(name, 0.0) > scores[SUPPORT]]
            scores[SUPPORT] = min(1.0, scores[SUPPORT] + SUPPORT_FROM_MALFUNCTION, *ahead)
        plain = " ".join(_words(_normalise(text)))
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

    def _index_tenant(self, intents: tuple[tuple[str, tuple[str, ...]], ...]) -> _PhraseIndex:
        return _PhraseIndex(_phrases(intents), self._word_idf, self._char_idf)
