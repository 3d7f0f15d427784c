"""Synonym groups (the curated customer-service vocabulary plus a tenant's own) and the reading of a
text into units of meaning: single words, and known phrases such as "how much" or "where is my".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.customer_vocabulary import CUSTOMER_SYNONYMS
from bot.engine.word_forms import STOPWORDS, spelled_out, stem, words

__all__ = ["MAX_PHRASE_WORDS", "Thesaurus", "Unit", "curated_thesaurus"]

MAX_PHRASE_WORDS = 4
# A tenant may not make the index arbitrarily large through its settings.
MAX_TENANT_GROUPS = 500
MAX_TENANT_GROUP_SIZE = 50

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of meaning in a text: a word (``stem`` set) or a known phrase (``stem`` None)."""

    text: str  # as written, case-folded ("shiping", "how much")
    stem: str | None
    concepts: frozenset[str]  # the synonym groups it belongs to, as "~name" terms
    hints: frozenset[str] = frozenset()  # the groups it only suggests (see customer_vocabulary.py)


class Thesaurus:
    """Which words and phrases mean the same thing, looked up by stem."""

    def __init__(self, groups: Iterable[tuple[str, Sequence[str]]]) -> None:
        self._groups = tuple(groups)
        # key -> (groups, hinted groups); a key is a word's stem or a phrase's stems
        found: dict[tuple[str, ...], tuple[set[str], set[str]]] = {}
        names: dict[str, str] = {}
        raw_words: set[str] = set()
        for name, members in self._groups:
            hint = name.endswith("?")
            name = name.rstrip("?")
            concept = "~" + name
            names[concept] = name
            for member in members:
                member_words = spelled_out(words(member))
                if 1 <= len(member_words) <= MAX_PHRASE_WORDS:
                    key = tuple(stem(w) for w in member_words)
                    found.setdefault(key, (set(), set()))[1 if hint else 0].add(concept)
                if len(member_words) == 1:
                    raw_words.add(member_words[0])
        self._words = {
            key[0]: (frozenset(groups), frozenset(hints - groups))
            for key, (groups, hints) in found.items()
            if len(key) == 1
        }
        self._phrases = {
            key: (frozenset(groups), frozenset(hints - groups))
            for key, (groups, hints) in found.items()
            if len(key) > 1
        }
        # The longest phrase that starts with each stem: most words start none, and are passed at once.
        self._longest_from: dict[str, int] = {}
        for key in self._phrases:
            self._longest_from[key[0]] = max(len(key), self._longest_from.get(key[0], 0))
        self._names = names
        self.vocabulary = frozenset(raw_words)

    def concepts_of(self, word_stem: str) -> frozenset[str]:
        return self._words.get(word_stem, (_EMPTY, _EMPTY))[0]

    def hints_of(self, word_stem: str) -> frozenset[str]:
        return self._words.get(word_stem, (_EMPTY, _EMPTY))[1]

    def name_of(self, concept: str) -> str:
        """The group's name as a customer would read it ("~ship" -> "ship")."""
        return self._names.get(concept, concept.lstrip("~"))

    def with_tenant(self, synonyms: Mapping[str, object]) -> Thesaurus:
        """This vocabulary plus a tenant's ``{"word": ["synonym", ...]}`` (malformed items are skipped)."""
        extra: list[tuple[str, Sequence[str]]] = []
        for word, alternatives in list(synonyms.items())[:MAX_TENANT_GROUPS]:
            if not isinstance(word, str) or not word.strip() or not isinstance(alternatives, list | tuple):
                continue
            members = [word] + [a for a in alternatives[:MAX_TENANT_GROUP_SIZE] if isinstance(a, str)]
            extra.append(("tenant:" + " ".join(words(word)), members))
        if not extra:
            return self
        return Thesaurus((*self._groups, *extra))

    def units(self, text: str, correct: Callable[[str], str | None] | None = None) -> list[Unit]:
        """``text`` as units of meaning, in order: phrases first (longest wins), then content words.

        ``correct`` spells a misspelt word right (None for a word it leaves alone): a phrase misspelt
        ("email adress") is still the phrase. A word outside any phrase stays as written; the search
        corrects it itself, at a typo's weight.
        """
        raw = spelled_out(words(text))
        stems = [stem(word) for word in raw]
        corrected = stems
        if correct is not None and self._phrases:
            fixed = [
                stem(right) if (right := correct(word)) else s for word, s in zip(raw, stems, strict=True)
            ]
            if fixed != stems:
                corrected = fixed
        found: list[Unit] = []
        position = 0
        while position < len(raw):
            phrase = self._phrase_at(stems, position)
            if phrase is None and corrected is not stems:
                phrase = self._phrase_at(corrected, position)
            if phrase is not None:
                length, (concepts, hints) = phrase
                found.append(Unit(" ".join(raw[position : position + length]), None, concepts, hints))
                position += length
                continue
            word = raw[position]
            if word not in STOPWORDS:
                concepts, hints = self._words.get(stems[position], (_EMPTY, _EMPTY))
                found.append(Unit(word, stems[position], concepts, hints))
            position += 1
        return found

    def _phrase_at(
        self, stems: list[str], position: int
    ) -> tuple[int, tuple[frozenset[str], frozenset[str]]] | None:
        longest = self._longest_from.get(stems[position], 0)
        for length in range(min(longest, len(stems) - position), 1, -1):
            concepts = self._phrases.get(tuple(stems[position : position + length]))
            if concepts is not None:
                return length, concepts
        return None


def _parse(data: str) -> tuple[tuple[str, Sequence[str]], ...]:
    lines: list[str] = []
    for line in data.strip().splitlines():
        if line[:1].isspace() and lines:
            lines[-1] += " " + line.strip()  # an indented line continues the group above
        else:
            lines.append(line)
    groups: list[tuple[str, Sequence[str]]] = []
    for line in lines:
        name, _, members = line.partition(":")
        groups.append((name.strip(), tuple(m.strip() for m in members.split(",") if m.strip())))
    return tuple(groups)


@functools.cache
def curated_thesaurus() -> Thesaurus:
    """The customer-service vocabulary of bot/engine/customer_vocabulary.py, parsed once per process."""
    return Thesaurus(_parse(CUSTOMER_SYNONYMS))
