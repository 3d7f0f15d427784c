"""How a customer's question becomes weighted groups of index terms (the query side of
bot/engine/knowledge_search.py).

Each unit of the question (a content word or a known phrase, bot/engine/thesaurus.py) is one group: the
index terms that can answer it, each with a strength factor (the same stem in full, a synonym group
less, a WordNet relative or a corrected typo less still), and the group's weight, its idf among the
entries. A word no entry knows weighs by how specific it is (``lexicon.generality``); a word that fits
any topic weighs half; a number (an order number) little; a word the tenant's other texts use (a plan
its price list names) as this business's word. A word inside a compound noun the lexical database knows
and the tenant never says ("post office", "fair trade", "fishing net") meets entries at half strength:
the compound is a thing of its own, not the tenant's "office", "trade" or "net". A question about
something the tenant never names (``QueryReader.foreign_subject``: "is the pharmacy open on sunday",
"how do i cancel my gym membership", "my water bill doubled") is about that, not about the entry its
other words meet.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.engine.lexicon import (
    describes,
    generality,
    is_compound_noun,
    names_a_person,
    never_describes,
    sense_count,
)
from bot.engine.spelling import SpellingIndex
from bot.engine.thesaurus import Thesaurus, Unit
from bot.engine.types import MatchKind
from bot.engine.word_forms import GENERIC_WORDS, STOPWORDS, stem, words

__all__ = ["GENERIC_WEIGHT", "SYNONYM_WEIGHT", "Group", "QueryReader", "idf"]

SYNONYM_WEIGHT = 0.85
HINT_WEIGHT = 0.5  # a word that only suggests a group ("germany" for shipping abroad)
# A word that shares a WordNet synset with an entry's word ("invoice" for "bill"): weaker than a
# curated synonym, since WordNet knows every sense of a word and not which one a shop means.
RELATED_WEIGHT = 0.6
# Words that make a phrase deny what its other words name ("without the caffeine", "no connection"; and
# "free" after them: "caffeine free", not "free delivery").
_NEGATING = frozenset({"no", "not", "without", "non", "never"})
# "email address": meeting "address" alone is not meeting the phrase (nor "post office" meeting "office").
PHRASE_WORD_WEIGHT = 0.5
TYPO_WEIGHT = {1: 0.85, 2: 0.7}
# A word this short is too easily one letter away from another to be corrected inside a phrase.
MIN_CORRECTED_LENGTH = 5
NUMBER_WEIGHT = 0.3  # "#4521" says which order, not what the question is about: it never matches
GENERIC_WEIGHT = 0.5  # for GENERIC_WORDS ("sell", "use", "best")
# A word no entry contains counts this much more than the rarest word the entries do contain: a
# question about something the knowledge base never mentions is not answered by a word it shares.
UNSEEN_WEIGHT = 1.3
# A word the tenant uses elsewhere (a product or plan its price list names) but no entry contains counts
# this share of the rarest entry word: it is this business's word, not a sign of an off-topic question.
TENANT_WORD_WEIGHT = 0.5


# A question whose subject is "the <something>": "is the pharmacy open on sunday", "what time does the
# post office close", and asked indirectly, "tell me what time the post office opens", "do you know if the
# bakery opens". The subject is the word after "the" (and the one after it, for a compound).
_SUBJECT = re.compile(
    r"(?:(?:^|[.?!,]\s*)(?:\w+\s+){0,3}?(?:is|are|does|do|did|will|was|were|has|have|can)"
    r"|\b(?:what\s+time|when|where|whether|if))\s+the\s+([a-z]+)(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
# A question about an account with another business: what the customer cancels, pays, resets, tracks,
# renews, unlocks or books ("how do i cancel my gym membership", "how do i reset my iphone passcode").
_OBJECT = re.compile(
    r"\b(?:cancel|pay|reset|track|renew|unlock|book)\s+(?:my|the|a|an|our)\s+([a-z]+)(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
# What a customer holds with a business; a word of another trade before it says whose it is ("my water
# bill", "my gym membership", "my amazon parcel").
_ACCOUNT = re.compile(
    r"\b([a-z]+)\s+(?:bill|bills|payment|payments|subscription|membership|account|contract|parcel|"
    r"delivery|engineer|licence|license|tax)\b",
    re.IGNORECASE,
)
# Who a parcel comes from or goes with ("a package from amazon", "a parcel I sent with the national
# courier"): a seller or a carrier the tenant never names makes it someone else's parcel.
_SENDER = re.compile(
    r"\b(?:parcel|package|packet|order|delivery|shipment)s?\s+"
    r"(?:(?:that\s+)?(?:(?:i|we)\s+)?(?:sent|posted|shipped)\s+)?"
    r"(?:from|with|by|via)\s+(?:the\s+|a\s+)?([a-z]+)(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
# A thing of the customer's whose part the question is about ("my car's bluetooth won't connect"): a
# thing the tenant never names makes it that thing's question. People are not things ("my son's laptop").
# "my laptop's been dropping" is "has", not whose.
_POSSESSOR = re.compile(
    r"\bmy\s+([a-z]+)(?:'|\u2019)s\s+(?!(?:been|got|gone|not|just|still|stopped|started|always|never|had|"
    r"done|finally|suddenly|really|so|very|too|no|broken|dead|down|off|on|out|up|a|an|the|\w+ing)\b)[a-z]+",
    re.IGNORECASE,
)
# A parcel the customer sent, not one sent back to the business: not an order of this tenant.
_SENT_BY_CUSTOMER = re.compile(
    r"\b(?:parcel|package|packet|letter)s?\s+(?:that\s+)?(?:i|we)\s*(?:'?ve\s+|\s+have\s+)?"
    r"(?:sent|posted|mailed)\b"
    r"(?!\s+(?:back|it\s+back|to\s+you|you))",
    re.IGNORECASE,
)
# A shorter subject word is too often a letter or an abbreviation ("the e-vouchers").
MIN_SUBJECT_LENGTH = 3


def idf(document_frequency: int, size: int) -> float:
    """A term's idf among ``size`` entries. The "+1 inside the log" form stays positive even for a term
    in every entry, so a common word can only add a little, never subtract; a term in no entry gets the
    highest value there is."""
    return math.log(1.0 + (size - document_frequency + 0.5) / (document_frequency + 0.5))


@dataclass(frozen=True, slots=True)
class Group:
    """One unit of the customer's question and the index terms that can answer it."""

    said: str
    weight: float
    alternatives: tuple[tuple[str, float, MatchKind], ...]  # (term, strength factor, how it matched)


class QueryReader:
    """Reads questions against one index: its terms' document frequencies, size and helpers."""

    def __init__(
        self,
        thesaurus: Thesaurus,
        document_frequency: Mapping[str, int],
        size: int,
        related: Mapping[str, Sequence[str]],
        spelling: SpellingIndex,
        tenant_words: frozenset[str],
        tenant_pairs: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        """``tenant_pairs``: the stems of every two adjacent words in the tenant's texts."""
        self._thesaurus = thesaurus
        self._df = document_frequency
        self._size = size
        self._related = related
        self._spelling = spelling
        self._tenant_words = tenant_words
        self._tenant_pairs = tenant_pairs

    def idf(self, term: str) -> float:
        return idf(self._df.get(term, 0), self._size)

    def corrected(self, word: str) -> str | None:
        """``word`` spelt right, when it is no English word and one letter away from a word of the
        entries ("adress" -> "address"); None otherwise."""
        if word in STOPWORDS or len(word) < MIN_CORRECTED_LENGTH or sense_count(word):
            return None
        correction = self._spelling.correct(word)
        return correction.word if correction is not None and correction.distance == 1 else None

    def groups(self, units: Sequence[Unit], text: str = "") -> list[Group]:
        """The question's units as groups, each unit once (a word by its stem, a phrase by its text).
        ``text``: the question as written, where its foreign compounds are found."""
        groups: list[Group] = []
        seen: set[str] = set()
        compound = self._foreign_compound_words(units, text)
        for unit in units:
            key = unit.stem if unit.stem is not None else unit.text
            if key in seen:
                continue
            seen.add(key)
            if unit.stem is None:
                groups.append(self._phrase_group(unit))
            else:
                group = self._word_group(unit, unit.stem)
                if unit.text in compound:
                    halved = tuple(
                        (term, factor * PHRASE_WORD_WEIGHT, kind) for term, factor, kind in group.alternatives
                    )
                    group = Group(group.said, group.weight, halved)
                groups.append(group)
        return groups

    def foreign_subject(self, text: str, groups: Sequence[Group]) -> str | None:
        """What ``text`` is about when it is something this tenant never names: a word no entry, synonym
        or other text of the tenant knows, or a compound noun it never says. Several places say what a
        question is about: its subject after "the" ("is the pharmacy open on sunday", "what time does
        the post office close"), what the customer cancels, pays, resets, tracks, renews or books ("how do
        i cancel my gym membership"), and a word naming a thing before an account's word ("my water
        bill"), the thing whose part it is about ("my car's bluetooth"), and who a parcel comes from or
        goes with ("a package from amazon"); a parcel the customer
        sent themselves is someone else's too. None when that is the tenant's own ("is the shop open on
        sunday") or the question names nothing there."""
        sent = _SENT_BY_CUSTOMER.search(text)
        if sent is not None:
            return sent.group(0).lower()
        known = {word for group in groups if group.alternatives for word in words(group.said)}
        subjects = [(match, True, False) for match in _SUBJECT.finditer(text)]
        subjects += [(match, False, False) for match in _SENDER.finditer(text)]
        subjects += [(match, False, False) for match in _OBJECT.finditer(text)]
        # Before an account's word only a word that names a thing says whose account it is: "my water
        # bill", not "my current contract" or "mid contract".
        subjects += [(match, False, True) for match in _ACCOUNT.finditer(text)]
        subjects += [
            (match, True, True) for match in _POSSESSOR.finditer(text) if not names_a_person(match.group(1))
        ]
        for match, english_only, naming in subjects:
            first, second = (*(group or "" for group in match.groups()), "")[:2]
            first, second = first.lower(), second.lower()
            if english_only and second and describes(first) and self._knows(second, known):
                # "the normal delivery", "the usual price": the thing after a describing word is what
                # the question is about, and this one is the tenant's.
                continue
            if first in STOPWORDS or len(first) < MIN_SUBJECT_LENGTH:
                continue
            if second and self._foreign_compound(first, second):
                return f"{first} {second}"
            if (
                not self._knows(first, known)
                # A subject no dictionary knows may be a typo; what one cancels or pays is a brand.
                and (sense_count(first) or not english_only)
                and (not naming or never_describes(first))
            ):
                return first
        return None

    def _knows(self, word: str, known: set[str]) -> bool:
        """Whether ``word`` is the tenant's: a word of the question that met an entry, or one its entries
        or other texts use."""
        return word in known or stem(word) in self._df or stem(word) in self._tenant_words

    def _foreign_compound_words(self, units: Sequence[Unit], text: str) -> set[str]:
        """The words of ``text`` that stand in a compound noun the tenant's texts never say."""
        said = " ".join(words(text))
        found: set[str] = set()
        for unit, after in itertools.pairwise(units):
            if (
                unit.stem is not None
                and after.stem is not None
                and f"{unit.text} {after.text}" in said
                and self._foreign_compound(unit.text, after.text)
            ):
                found.update((unit.text, after.text))
        return found

    def _foreign_compound(self, first: str, second: str) -> bool:
        """Whether "``first`` ``second``" is a compound noun (bot/engine/lexicon.py) the tenant never says."""
        return (stem(first), stem(second)) not in self._tenant_pairs and is_compound_noun(first, second)

    def _word_group(self, unit: Unit, word_stem: str) -> Group:
        if unit.text.isdigit():
            return Group(unit.text, NUMBER_WEIGHT, ())
        alternatives: list[tuple[str, float, MatchKind]] = []
        if word_stem in self._df:
            alternatives.append((word_stem, 1.0, "word"))
        alternatives.extend((c, SYNONYM_WEIGHT, "synonym") for c in sorted(unit.concepts) if c in self._df)
        alternatives.extend((c, HINT_WEIGHT, "hint") for c in sorted(unit.hints) if c in self._df)
        if not alternatives and not unit.concepts and not unit.hints:
            related = self._related.get(word_stem, ())
            alternatives.extend((term, RELATED_WEIGHT, "related") for term in related)
        own = not alternatives and word_stem in self._tenant_words
        if (
            not alternatives
            and not unit.concepts
            and not unit.hints
            and not own
            and not sense_count(unit.text)
        ):
            # Only a word that is not an English word is a typo: "sing" is not "sign", nor
            # "president" "present".
            correction = self._spelling.correct(unit.text)
            if correction is not None:
                factor = TYPO_WEIGHT[correction.distance]
                corrected = stem(correction.word)
                if corrected in self._df:
                    alternatives.append((corrected, factor, "typo"))
                alternatives.extend(
                    (c, factor * SYNONYM_WEIGHT, "typo")
                    for c in sorted(self._thesaurus.concepts_of(corrected))
                    if c in self._df
                )
        if word_stem in self._df:
            weight = self.idf(word_stem)
        else:
            weight = max((self.idf(term) for term, _, _ in alternatives), default=self._unseen_weight())
        if unit.text in GENERIC_WORDS:
            weight *= GENERIC_WEIGHT
        elif own:
            # "can I bump up to gigabit": a plan the price list names is no sign of another business.
            weight = TENANT_WORD_WEIGHT * self._rarest_idf()
        elif not alternatives:
            weight *= generality(unit.text)
        return Group(unit.text, weight, tuple(alternatives))

    def _rarest_idf(self) -> float:
        """The idf of a term in one entry: the most a word the entries contain can weigh."""
        n = self._size
        return math.log(1.0 + (n - 0.5) / 1.5)

    def _unseen_weight(self) -> float:
        n = self._size
        return UNSEEN_WEIGHT * math.log(1.0 + (n + 0.5) / 0.5)

    def _phrase_group(self, unit: Unit) -> Group:
        alternatives: list[tuple[str, float, MatchKind]] = [
            (c, 1.0, "phrase") for c in sorted(unit.concepts) if c in self._df
        ]
        alternatives.extend((c, HINT_WEIGHT, "hint") for c in sorted(unit.hints) if c in self._df)
        said = words(unit.text)
        if _NEGATING.isdisjoint(said) and said[-1:] != ["free"]:
            # Half a phrase is half its meaning ("address" of "email address"), unless the phrase denies
            # its own words: "without the caffeine" is no question about caffeine.
            alternatives.extend(
                (stem(word), PHRASE_WORD_WEIGHT, "word")
                for word in said
                if word not in STOPWORDS and stem(word) in self._df
            )
        if not alternatives:
            # A phrase of another trade's vocabulary ("the box" is the router to an internet provider)
            # may still say what this tenant knows by its words' own groups ("box" is a parcel).
            alternatives.extend(
                (concept, PHRASE_WORD_WEIGHT * SYNONYM_WEIGHT, "synonym")
                for word in words(unit.text)
                if word not in STOPWORDS
                for concept in sorted(self._thesaurus.concepts_of(stem(word)))
                if concept in self._df
            )
        weight = max((self.idf(term) for term, _, _ in alternatives), default=self._unseen_weight())
        return Group(unit.text, weight, tuple(alternatives))
