"""Rank a tenant's knowledge entries against a customer's question with BM25, in pure Python."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.engine.types import KnowledgeHit

__all__ = ["STOPWORDS", "InMemoryKnowledgeBase", "KnowledgeDoc", "KnowledgeIndex", "rank", "stem", "tokenize"]

K1 = 1.2
B = 0.75
# A hit in the question (or a keyword, which stands for a phrasing of the question) says more about
# what an entry is for than a word that happens to appear somewhere in a long answer.
QUESTION_WEIGHT = 2.0
KEYWORD_WEIGHT = QUESTION_WEIGHT
ANSWER_WEIGHT = 1.0

_WORD = re.compile(r"\w+")

# Small on purpose: words like "not", "open" or "free" decide what a question means and must stay.
# Contraction leftovers ("d", "ll", "m", "re", "s", "t", "ve") are here because \w+ splits "I'm".
STOPWORDS = frozenset(  # a word list reads better as text than as 80 quoted strings
    """
    a about am an and any are as at be been being but by can could d did do does for from get had has
    have hello hey hi how i if in into is it its just let ll m me my of on or our please re s so t than
    thank thanks that the their them then there these they this those to too us was we were what
    ve when where which who why will with would you your yours
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class KnowledgeDoc:
    entry_id: int
    question: str
    answer: str
    keywords: tuple[str, ...] = ()


def stem(word: str) -> str:
    """Fold the common English suffixes so that "hours" ~ "hour" and "opening" ~ "opened" ~ "open".

    Deliberately tiny and only ever compared with its own output, so it needs to be consistent,
    not linguistically right: "closing", "closes" and "close" all become "clos".
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and _has_vowel(word[:-3]) and len(word) >= 6:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and not word.endswith("eed") and _has_vowel(word[:-2]) and len(word) >= 5:
        word = _undouble(word[:-2])
    if len(word) > 3 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    return word


def _has_vowel(stem_part: str) -> bool:
    return any(ch in "aeiouy" for ch in stem_part)


def _undouble(stem_part: str) -> str:
    # "shipping" -> "shipp" -> "ship", but "billing" keeps "bill" and "missed" keeps "miss".
    if len(stem_part) >= 3 and stem_part[-1] == stem_part[-2] and stem_part[-1] not in "lsz":
        return stem_part[:-1]
    return stem_part


def tokenize(text: str) -> list[str]:
    """Lowercase unicode words, stopwords dropped, suffixes folded; non-English words pass through."""
    return [stem(word) for word in _WORD.findall(text.casefold()) if word not in STOPWORDS]


@dataclass(frozen=True)
class _Entry:
    doc: KnowledgeDoc
    fields: tuple[Counter[str], Counter[str], Counter[str]]  # question, answer, keywords
    lengths: tuple[int, int, int]


_WEIGHTS = (QUESTION_WEIGHT, ANSWER_WEIGHT, KEYWORD_WEIGHT)


class KnowledgeIndex:
    """Token statistics for one set of entries, built once and searched many times.

    Scoring is BM25F: each field's term frequency is normalised by that field's length against its
    average, then the fields are weighted and summed before BM25's saturation. A long answer
    therefore does not dilute a match in a short question, as it would in one flat document.
    """

    def __init__(self, docs: Iterable[KnowledgeDoc]) -> None:
        entries: list[_Entry] = []
        document_frequency: Counter[str] = Counter()
        for doc in docs:
            keyword_tokens = [token for keyword in doc.keywords for token in tokenize(keyword)]
            fields = (Counter(tokenize(doc.question)), Counter(tokenize(doc.answer)), Counter(keyword_tokens))
            lengths = (sum(fields[0].values()), sum(fields[1].values()), sum(fields[2].values()))
            entries.append(_Entry(doc=doc, fields=fields, lengths=lengths))
            document_frequency.update(set(fields[0]) | set(fields[1]) | set(fields[2]))
        self._entries = tuple(entries)
        self._df = document_frequency
        count = max(len(entries), 1)
        self._avg_lengths = tuple(
            max(sum(entry.lengths[i] for entry in entries) / count, 1.0) for i in range(3)
        )

    def __len__(self) -> int:
        return len(self._entries)

    def idf(self, term: str) -> float:
        # The "+1 inside the log" form stays positive even for a term in every entry, so a common word
        # can only add a little, never subtract.
        n = len(self._entries)
        df = self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, limit: int = 3) -> list[KnowledgeHit]:
        """Best ``limit`` entries for ``query``, best first, each scored in 0..1; [] when nothing matches."""
        terms = set(tokenize(query))
        if not terms or limit <= 0 or not self._entries:
            return []
        idf = {term: self.idf(term) for term in terms}
        # Normalisation: divide by the score an average-length entry would get with every query word
        # once in its question. That makes a score read as "how much of the question this entry
        # covers", weighted by rarity: 1.0 for a full match, ~0.5 when only half the (rarity-weighted)
        # words match, and low when the query is mostly about words the knowledge base never mentions
        # (those keep their high unseen-word idf in the denominator). Entries that beat the ideal, by
        # repeating words across fields, are clamped to 1.0 but still ordered by their raw score.
        ideal_tf = QUESTION_WEIGHT
        ideal = sum(idf.values()) * ideal_tf * (K1 + 1.0) / (ideal_tf + K1)
        scored: list[tuple[float, int, _Entry]] = []
        for position, entry in enumerate(self._entries):
            raw = self._score(entry, idf)
            if raw > 0.0:
                scored.append((raw, position, entry))
        # Ties keep the tenant's own order, so the result is stable across calls.
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [
            KnowledgeHit(
                entry_id=entry.doc.entry_id,
                question=entry.doc.question,
                answer=entry.doc.answer,
                score=min(raw / ideal, 1.0) if ideal > 0.0 else 0.0,
            )
            for raw, _, entry in scored[:limit]
        ]

    def _score(self, entry: _Entry, idf: dict[str, float]) -> float:
        total = 0.0
        for term, term_idf in idf.items():
            weighted_tf = 0.0
            for field, length, avg_length, weight in zip(
                entry.fields, entry.lengths, self._avg_lengths, _WEIGHTS, strict=True
            ):
                frequency = field.get(term, 0)
                if frequency:
                    weighted_tf += weight * frequency / (1.0 - B + B * length / avg_length)
            if weighted_tf:
                total += term_idf * weighted_tf * (K1 + 1.0) / (weighted_tf + K1)
        return total


def rank(docs: Sequence[KnowledgeDoc], query: str, limit: int = 3) -> list[KnowledgeHit]:
    """Rank ``docs`` for ``query`` in one call; build a KnowledgeIndex instead to search repeatedly."""
    return KnowledgeIndex(docs).search(query, limit)


class InMemoryKnowledgeBase:
    """The KnowledgeBase port over a fixed list of entries, indexed once at construction."""

    def __init__(self, docs: Iterable[KnowledgeDoc] = ()) -> None:
        self._index = KnowledgeIndex(docs)

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        return self._index.search(query, limit)
