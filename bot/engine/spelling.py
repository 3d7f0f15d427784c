"""Typo tolerance: a word the knowledge base does not know ("shiping", "delivry", "pasword") is read as
the closest word it does know, found through shared character 3-grams and confirmed by edit distance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Correction", "SpellingIndex"]

MIN_LENGTH = 4  # "bag" -> "bug" is a different word, not a typo
_CACHE_SIZE = 4096
GRAMS_PER_EDIT = 4


@dataclass(frozen=True, slots=True)
class Correction:
    word: str  # the known word
    distance: int  # edits (insert, delete, substitute, swap two neighbours) from the customer's word


def _trigrams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def max_edits(word: str) -> int:
    """One typo in a short word, two in a long one."""
    return 1 if len(word) <= 7 else 2


def edit_distance(first: str, second: str, limit: int) -> int:
    """Optimal string alignment distance, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, start=1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _plausible_short_typo(word: str, known: str) -> bool:
    """A short word is read as a typo only for a dropped letter ("routr"), a doubled or stray one
    ("decaff") or two swapped ones ("teh").

    A changed letter in a short word is as often another real word ("change" is not "charge").
    """
    if len(known) == len(word) + 1:
        return any(known[:i] + known[i + 1 :] == word for i in range(len(known)))
    if len(word) == len(known) + 1:
        return any(word[:i] + word[i + 1 :] == known for i in range(len(word)))
    if len(known) == len(word):
        differ = [i for i in range(len(word)) if word[i] != known[i]]
        return len(differ) == 2 and differ[1] == differ[0] + 1 and word[differ[0]] == known[differ[1]]
    return False


class SpellingIndex:
    """The known words of one knowledge base, indexed by their character 3-grams."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = frozenset(w for w in vocabulary if len(w) >= MIN_LENGTH - 1 and w.isalpha())
        postings: dict[str, list[str]] = {}
        for word in sorted(self._known):
            for gram in _trigrams(word):
                postings.setdefault(gram, []).append(word)
        self._postings = postings
        self._cache: dict[str, Correction | None] = {}

    def correct(self, word: str) -> Correction | None:
        """The known word closest to ``word`` within its edit budget, or None (also for known words)."""
        if len(word) < MIN_LENGTH or not word.isalpha() or word in self._known:
            return None
        if word in self._cache:
            return self._cache[word]
        found = self._closest(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = found
        return found

    def _closest(self, word: str) -> Correction | None:
        limit = max_edits(word)
        grams = _trigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._postings.get(gram, ()))
        # An insertion, deletion or substitution changes at most three 3-grams, a swap of two neighbours
        # four ("restrat": str, tra, rat, at#), so a word within ``limit`` edits shares at least this many.
        needed = max(1, len(grams) - GRAMS_PER_EDIT * limit)
        best: tuple[int, int, str] | None = None  # (distance, -shared grams, word): the smallest wins
        for candidate, count in shared.items():
            if count < needed or (limit == 1 and candidate[0] != word[0]):
                continue  # a typo in a short word rarely hits its first letter; that rule keeps noise out
            if limit == 1 and not _plausible_short_typo(word, candidate):
                continue
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -count, candidate)
                if best is None or key < best:
                    best = key
        return None if best is None else Correction(best[2], best[0])
