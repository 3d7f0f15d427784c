"""Example phrases as TF-IDF vectors and a text's similarity to each label's phrases (the index behind
bot/engine/intents/scorer.py).

A phrase and a text each become two unit vectors, one over word stems and adjacent-stem pairs (what is
said) and one over character 3- to 5-grams inside words (so "thnks" still lands near "thanks"); a
phrase's side weighs them ``WORD_WEIGHT`` to the rest, so a dot product is the weighted mean of the two
cosines. A label scores by its nearest phrase and by its centroid, combined as a "noisy or".
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.word_forms import stem

__all__ = [
    "NUMBER",
    "REPEATS",
    "Idf",
    "PhraseIndex",
    "Query",
    "Vectors",
    "char_features",
    "query_vector",
    "word_features",
]

# Words carry the meaning, characters forgive the spelling. In cross-validation over the built-in
# phrases (each fifth scored against the rest) any weight from 0.3 to 0.7 did about as well; an equal
# say is the plain choice.
WORD_WEIGHT = 0.5
CHAR_NGRAM_SIZES = (3, 4, 5)
# A number reads as this one token: "order 4521" and "order 1234" say the same thing.
NUMBER = "0"
# A letter doubled or more.
REPEATS = re.compile(r"(.)\1+")


def word_features(words: Sequence[str]) -> Counter[str]:
    """Stems and adjacent-stem pairs: "how much" means pricing in a way "how" and "much" alone do not."""
    stems = [NUMBER if word.isdigit() else stem(word) for word in words]
    features = Counter(stems)
    features.update(f"{first} {second}" for first, second in itertools.pairwise(stems))
    return features


# Character n-grams share one feature space with word stems behind this mark, which no word contains.
_CHAR_MARK = "|"


def char_features(words: Sequence[str]) -> Counter[str]:
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
    padded = " " + REPEATS.sub(r"\1", word) + " "
    return tuple(
        _CHAR_MARK + padded[i : i + size] for size in CHAR_NGRAM_SIZES for i in range(len(padded) - size + 1)
    )


@dataclass(frozen=True)
class Idf:
    """Inverse document frequencies learned from the built-in phrases and reused for every tenant.

    A feature the built-in phrases never use (a tenant's "wholesale") gets the highest weight, which is
    what it deserves: it is the rarest thing the scorer has seen.
    """

    weights: dict[str, float]
    unseen: float

    @classmethod
    def learn(cls, documents: Sequence[Counter[str]]) -> Idf:
        document_frequency: Counter[str] = Counter()
        for features in documents:
            document_frequency.update(features.keys())
        n = len(documents)
        # Smoothed so that a feature in every phrase still counts for a little.
        weights = {feature: math.log((1 + n) / (1 + df)) + 1.0 for feature, df in document_frequency.items()}
        return cls(weights=weights, unseen=math.log(1 + n) + 1.0)

    def vector(self, features: Counter[str]) -> dict[str, float]:
        """Sublinear TF times IDF, scaled to unit length (empty when there are no features)."""
        return dict(zip(features, self.unit_weights(features).tolist(), strict=True))

    def unit_weights(self, features: Counter[str]) -> np.ndarray:
        """``vector``'s weights as an array, in the order of ``features`` (one computation for a phrase's
        side and a query's, so that a text equal to a phrase meets it at 1.0)."""
        size = len(features)
        counts = np.fromiter(features.values(), dtype=np.float64, count=size)
        weights = np.fromiter(
            map(self.weights.get, features, itertools.repeat(self.unseen)), dtype=np.float64, count=size
        )
        raw = (1.0 + np.log(counts)) * weights
        norm = math.sqrt(float(np.dot(raw, raw)))
        return raw / norm if norm else raw


@dataclass(frozen=True)
class Query:
    """A text's two unit vectors side by side: its features (stems and pairs as they are, n-grams
    marked) and their weights."""

    features: tuple[str, ...]
    weights: np.ndarray


def query_vector(words: Sequence[str], word_idf: Idf, char_idf: Idf) -> Query:
    """Both unit vectors of ``words``, weighed in numpy: a message has a hundred or more n-grams, and a
    dict of them built one by one was a tenth of scoring it."""
    word_counts, char_counts = word_features(words), char_features(words)
    return Query(
        (*word_counts, *char_counts),
        np.concatenate((word_idf.unit_weights(word_counts), char_idf.unit_weights(char_counts))),
    )


def _weighted(word_vector: dict[str, float], char_vector: dict[str, float]) -> dict[str, float]:
    """A phrase's side of the similarity: its dot product with a query is the weighted mean of the
    word and the character cosines."""
    weighted = {feature: WORD_WEIGHT * weight for feature, weight in word_vector.items()}
    weighted.update((feature, (1.0 - WORD_WEIGHT) * weight) for feature, weight in char_vector.items())
    return weighted


class Vectors:
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


class PhraseIndex:
    """Example phrases as unit vectors behind inverted lists: a query touches only the phrases it shares
    a feature with, so scoring stays well under a millisecond for a typical message.

    Each label also gets a centroid, the normalised sum of its phrases: it knows every word the label's
    phrases use, so "any offers on?" finds pricing through "offer" even though no single pricing
    phrase is close to it.
    """

    def __init__(self, phrases: Sequence[tuple[str, Sequence[str]]], word_idf: Idf, char_idf: Idf) -> None:
        """``phrases``: (label, the phrase's words as the scorer reads them)."""
        by_label: dict[str, list[dict[str, float]]] = {}
        word_sums: dict[str, Counter[str]] = {}
        char_sums: dict[str, Counter[str]] = {}
        for label, words in phrases:
            word_vector = word_idf.vector(word_features(words))
            char_vector = char_idf.vector(char_features(words))
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
        self._vectors = Vectors([*by_label.values(), *centroids], self._columns)

    def best_by_label(self, query: Query) -> dict[str, float]:
        """Each label's similarity to ``query``; labels with no feature in common are absent."""
        # Features no phrase has (column -1) cannot add to any dot product.
        columns = np.fromiter(
            map(self._columns.get, query.features, itertools.repeat(-1)),
            dtype=np.intp,
            count=len(query.features),
        )
        known = columns >= 0
        best = self._vectors.best(columns[known], query.weights[known]).tolist()
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
