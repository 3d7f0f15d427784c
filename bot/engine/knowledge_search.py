"""Rank a tenant's knowledge entries against a customer's question (no I/O; numpy sums the scores).

How a question meets an entry:

- Every entry is indexed once (per tenant configuration) over four fields: question, keywords,
  category and answer, as word stems ("shipping" ~ "ship", "delivery" ~ "deliver") plus the synonym
  groups its words and phrases belong to (bot/engine/customer_vocabulary.py and the tenant's own
  ``settings["synonyms"]``), so "how much is postage" meets "what does delivery cost".
- The question is read as units of meaning: content words and known phrases ("how much",
  "where is my", "email address"). A unit matches an entry by the same stem (full strength), a synonym
  group (``SYNONYM_WEIGHT``), or, for a word the knowledge base does not know, the closest known word
  within one or two typos found through character 3-grams (``TYPO_WEIGHT``; only for a word that is
  not an English word, so "sing" is never read as "sign"). A word that neither meets an entry nor a
  synonym may still share a WordNet synset with an entry's word ("restrict" and "limit",
  ``RELATED_WEIGHT``; bot/engine/lexicon.py). Adjacent word pairs that
  also stand together in an entry's question or keywords add a small bonus.
- Within an entry, a unit's strength is BM25F: each field's term frequency normalised by that field's
  length, the fields weighted (a hit in the question or a keyword says more than one in a long answer)
  and saturated, then divided by what one mention in an average question gives, capped at 1.

The score (0..1) is calibrated as coverage: the share of the question, each unit weighted by its idf
(how rare it is among the entries), that the entry matches. The denominator counts every unit of the
question, including words no entry contains at all (at the idf of a word in no entry, the highest there
is): "who won the world cup" matches "cup" in one entry but two of its three telling words are unknown,
so it scores about 0.3 (the default threshold is 0.35), while a paraphrase whose words or synonyms
all meet one entry scores near 1. An unknown word counts less the more general it is (``lexicon.generality``,
by its number of WordNet senses): "copy" or "last" may be a paraphrase's own words, "pizza" is a
question about something else. A word the tenant's other texts use (its commands' responses: the
products and plans a price list names) counts as a word of this business (``TENANT_WORD_WEIGHT``):
"can I upgrade to the gigabit one" is an upgrade question, not one about something else. A question
about something the tenant never names (its subject after "the": "is the pharmacy open on sunday"; what
the customer cancels or pays: "cancel my gym membership"; whose account it is: "my water bill") is
about that, not about the entry its other words meet: it scores ``FOREIGN_SUBJECT_SHARE`` of what it
would (knowledge_query.QueryReader.foreign_subject).
Filler ("hey guys, I was wondering ...") and stopwords never count, and a bare number (an order
number) counts little. When two or more parts of the question meet the same entry's question or
keywords, the coverage is raised (``_confirmed``): a long message that says much else besides is still
about that entry, while an off-topic question rarely shares more than one word with any entry.
The entry's side scales it a little (``QUESTION_COVERAGE_SHARE``): an entry whose own question is
largely covered beats one that matched the same words among many others.

How the question's words are weighed and which index terms can answer each is the query side,
bot/engine/knowledge_query.py (its weights: ``SYNONYM_WEIGHT``, ``TYPO_WEIGHT``, ``RELATED_WEIGHT``,
``TENANT_WORD_WEIGHT``, ...). ``is_ambiguous`` says when the two best entries are too close to choose
between (see its rule).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.knowledge_query import GENERIC_WEIGHT, Group, QueryReader, idf
from bot.engine.lexicon import relatives_index
from bot.engine.spelling import SpellingIndex
from bot.engine.thesaurus import Unit, curated_thesaurus
from bot.engine.types import KnowledgeHit, KnowledgeMatch, MatchKind
from bot.engine.word_forms import GENERIC_WORDS, STOPWORDS, named_kinds, stem, tokenize, words

__all__ = [
    "AMBIGUITY_MARGIN",
    "STOPWORDS",
    "InMemoryKnowledgeBase",
    "KnowledgeDoc",
    "KnowledgeIndex",
    "is_ambiguous",
    "rank",
    "sentences",
    "stem",
    "tokenize",
]

K1 = 1.2
B = 0.75
FIELDS = ("question", "answer", "keywords", "category")
QUESTION_WEIGHT = 2.0
ANSWER_WEIGHT = 0.4
KEYWORD_WEIGHT = QUESTION_WEIGHT  # a keyword stands for a phrasing of the question
CATEGORY_WEIGHT = 1.0
_WEIGHTS = (QUESTION_WEIGHT, ANSWER_WEIGHT, KEYWORD_WEIGHT, CATEGORY_WEIGHT)
# What one mention in an average-length question contributes after saturation: full strength.
_IDEAL = QUESTION_WEIGHT * (K1 + 1.0) / (QUESTION_WEIGHT + K1)

# The curated synonym group of price words (bot/engine/customer_vocabulary.py): "how much", "cost".
PRICE_CONCEPT = "~price"
QUESTION_COVERAGE_SHARE = 0.15
# A part of the question that meets an entry at least this strongly (about a question or keyword word,
# or a synonym of one) confirms it; each confirming part after the first lifts the score (_confirmed).
CONFIRMING_STRENGTH = 0.5
CONFIRMATION = 0.5
UNCONFIRMED = 0.7
BIGRAM_BONUS = 0.05
# What a question about something this tenant never names scores, as a share of what its words would give
# (knowledge_query.QueryReader.foreign_subject): below what even a "did you mean" needs (offline.py's
# PHRASE_SUGGEST_SHARE of the default threshold), since "what time does the post office close" is a
# question for another business, not a near miss of this one's opening hours.
FOREIGN_SUBJECT_SHARE = 0.12
# What an entry met only by hints scores, as a share of what they would give: a hint suggests a group
# without meaning it ("a bedtime story for my kid" suggests nothing of parental controls on its own).
HINTED_ONLY_SHARE = 0.5
# The kinds of match that only suggest an entry: a hint, and a WordNet relative ("playing" and "gaming",
# "who's playing tonight" and the port-forwarding entry), which knows every sense of a word.
_NOT_MEANT = frozenset({"hint", "related"})
# Two entries whose scores differ by less than this are a toss-up (see is_ambiguous).
AMBIGUITY_MARGIN = 0.08
DEFAULT_THRESHOLD = 0.35
# Where a message's sentences end, and how many words a sentence needs to be searched on its own.
_SENTENCE_END = re.compile(
    r"[?!.;\n]+(?:\s+|$)|\s+(?:also|and also|plus|oh and|btw)\s+"
    # "what's your address and are you open on Sundays": "and" before a second question.
    r"|,?\s+(?:and|or)\s+(?=(?:are|r|u|is|do|does|can|could|how|what|whats|when|where|will|would)\b)",
    re.IGNORECASE,
)
MIN_SENTENCE_WORDS = 3
# A question that follows a story after a comma, and how many words it needs to be searched on its own.
_QUESTION_AFTER_COMMA = re.compile(
    r",\s+(?=(?:are|is|do|does|can|could|how|what|whats|when|where|will|would|any)\s)", re.IGNORECASE
)
MIN_CLAUSE_WORDS = 6


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that say enough to be searched alone (MIN_SENTENCE_WORDS words), in
    order: "what's your address and are you open on Sundays" is two."""
    return [part for part in _SENTENCE_END.split(text) if len(words(part)) >= MIN_SENTENCE_WORDS]


@dataclass(frozen=True)
class KnowledgeDoc:
    entry_id: int
    question: str
    answer: str
    keywords: tuple[str, ...] = ()
    category: str | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    doc: KnowledgeDoc
    # term -> (strength in 0..1, index into FIELDS of the field that gave most of it)
    terms: Mapping[str, tuple[float, int]]
    # The entry's own question words: each word's idf and the terms that cover it (its stem, its groups).
    question_words: tuple[tuple[float, frozenset[str]], ...]
    question_weight: float
    bigrams: frozenset[tuple[str, str]]


def _field_terms(units: Sequence[Unit], text: str) -> tuple[list[str], list[str]]:
    stems = [stem(word) for word in words(text) if word not in STOPWORDS]
    concepts = [concept for unit in units for concept in unit.concepts]
    return stems, concepts


def _bigrams(units: Sequence[Unit]) -> set[tuple[str, str]]:
    stems = [unit.stem for unit in units]
    return {(a, b) for a, b in itertools.pairwise(stems) if a is not None and b is not None}


class KnowledgeIndex:
    """Everything a search needs about one set of entries, built once and searched many times."""

    def __init__(
        self,
        docs: Iterable[KnowledgeDoc],
        synonyms: Mapping[str, object] | None = None,
        tenant_texts: Iterable[str] = (),
    ) -> None:
        """``tenant_texts``: what else the tenant says (its commands' responses: a price list names the
        products and plans), whose words are the tenant's own though no entry contains them."""
        thesaurus = curated_thesaurus()
        self._thesaurus = thesaurus.with_tenant(synonyms) if synonyms else thesaurus
        raw: list[tuple[KnowledgeDoc, list[Counter[str]], list[int], list[Unit], set[tuple[str, str]]]] = []
        document_frequency: Counter[str] = Counter()
        vocabulary: set[str] = set(self._thesaurus.vocabulary)
        # The words of the entries' questions, keywords and categories, for their WordNet relatives.
        telling: set[str] = set()
        for doc in docs:
            texts = (doc.question, doc.answer, "\n".join(doc.keywords), doc.category or "")
            fields: list[Counter[str]] = []
            lengths: list[int] = []
            bigrams: set[tuple[str, str]] = set()
            question_units: list[Unit] = []
            for position, text in enumerate(texts):
                pieces = doc.keywords if position == 2 else (text,)
                counter: Counter[str] = Counter()
                length = 0
                for piece in pieces:
                    units = self._thesaurus.units(piece)
                    stems, concepts = _field_terms(units, piece)
                    counter.update(stems)
                    counter.update(concepts)
                    length += len(stems)
                    if position != 1:
                        bigrams |= _bigrams(units)
                    if position == 0:
                        question_units.extend(units)
                vocabulary.update(words(text))
                if position != 1:
                    telling.update(word for word in words(text) if word not in STOPWORDS and word.isalpha())
                fields.append(counter)
                lengths.append(length)
            document_frequency.update(set().union(*fields))
            raw.append((doc, fields, lengths, question_units, bigrams))
        self._df = document_frequency
        # Every pair of adjacent words in the tenant's texts: a compound the tenant itself says ("coffee
        # beans", "home phone") is its own word, not another business's.
        pairs = frozenset(
            pair
            for doc, *_ in raw
            for text in (doc.question, doc.answer, *doc.keywords, doc.category or "", *tenant_texts)
            for pair in itertools.pairwise(stem(word) for word in words(text) if word not in STOPWORDS)
        )
        self._tenant_words = frozenset(
            stem(word)
            for text in tenant_texts
            for word in words(text)
            if word not in STOPWORDS and word.isalpha() and stem(word) not in document_frequency
        )
        self._size = len(raw)
        count = max(len(raw), 1)
        averages = [max(sum(item[2][i] for item in raw) / count, 1.0) for i in range(len(FIELDS))]
        self._entries = tuple(
            self._entry(doc, fields, lengths, averages, question_units, bigrams)
            for doc, fields, lengths, question_units, bigrams in raw
        )
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for position, entry in enumerate(self._entries):
            for term, (strength, _) in entry.terms.items():
                positions, strengths = postings.setdefault(term, ([], []))
                positions.append(position)
                strengths.append(strength)
        # Each term's entries and strengths as arrays: a question's sums over all entries are a few
        # numpy operations per word, where a loop per (word, entry) pair took a third of a search.
        self._postings = {
            term: (np.array(positions, dtype=np.intp), np.array(strengths, dtype=np.float64))
            for term, (positions, strengths) in postings.items()
        }
        # Every entry's own question words one after another, and for each term the question words it
        # covers: how much of each entry's question a search's terms cover is then one sum over all
        # entries, where a set test per (entry, word) took a fifth of a search.
        word_entries: list[int] = []
        word_idfs: list[float] = []
        covers: dict[str, list[int]] = {}
        for position, entry in enumerate(self._entries):
            for word_idf, terms in entry.question_words:
                for term in terms:
                    covers.setdefault(term, []).append(len(word_entries))
                word_entries.append(position)
                word_idfs.append(word_idf)
        self._question_word_entries = np.array(word_entries, dtype=np.intp)
        self._question_word_idfs = np.array(word_idfs, dtype=np.float64)
        self._question_weights = np.array(
            [entry.question_weight for entry in self._entries], dtype=np.float64
        )
        # Each word pair's entries, for the pairs a question shares with each entry in one count.
        pair_entries: dict[tuple[str, str], list[int]] = {}
        for position, entry in enumerate(self._entries):
            for pair in entry.bigrams:
                pair_entries.setdefault(pair, []).append(position)
        self._pair_entries = {pair: np.array(found, dtype=np.intp) for pair, found in pair_entries.items()}
        self._covers = {term: np.array(words, dtype=np.intp) for term, words in covers.items()}
        self._reader = QueryReader(
            self._thesaurus,
            document_frequency,
            self._size,
            relatives_index(telling, document_frequency),
            SpellingIndex(w for w in vocabulary if w not in STOPWORDS),
            self._tenant_words,
            pairs,
        )

    def _entry(
        self,
        doc: KnowledgeDoc,
        fields: list[Counter[str]],
        lengths: list[int],
        averages: list[float],
        question_units: list[Unit],
        bigrams: set[tuple[str, str]],
    ) -> _Entry:
        terms: dict[str, tuple[float, int]] = {}
        for term in set().union(*fields):
            parts = [
                weight * field[term] / (1.0 - B + B * length / average)
                for field, length, average, weight in zip(fields, lengths, averages, _WEIGHTS, strict=True)
            ]
            weighted_tf = sum(parts)
            saturated = weighted_tf * (K1 + 1.0) / (weighted_tf + K1)
            terms[term] = (min(saturated / _IDEAL, 1.0), max(range(len(parts)), key=parts.__getitem__))
        covering = {
            unit.stem: frozenset({unit.stem}) | unit.concepts | unit.hints
            for unit in question_units
            if unit.stem is not None
        }
        question_words = tuple((self.idf(word), terms) for word, terms in covering.items())
        weight = sum(idf for idf, _ in question_words)
        return _Entry(doc, terms, question_words, weight, frozenset(bigrams))

    def __len__(self) -> int:
        return len(self._entries)

    def idf(self, term: str) -> float:
        return idf(self._df.get(term, 0), self._size)

    def search(self, query: str, limit: int = 3) -> list[KnowledgeHit]:
        """Best ``limit`` entries for ``query``, best first, each scored in 0..1; [] when nothing matches.

        A message of several sentences is also searched sentence by sentence, each entry keeping its
        best score: "Hi! We're moving in May. Can I take my broadband with me? Also, what's the fee?"
        asks two questions, and each is answered as well as if it had been asked alone. So is a question
        of six words or more that follows a story after a comma ("she lives on coffee, could I send
        her a voucher by email?").
        """
        if limit <= 0 or not self._entries:
            return []
        query = named_kinds(query)
        whole = self._search(query, limit)
        best = {hit.entry_id: hit for hit in whole}
        sentences: list[str] = []
        for sentence in _SENTENCE_END.split(query):
            if len(words(sentence)) >= MIN_SENTENCE_WORDS:
                sentences.append(sentence)
            # "my sister lives on coffee, could i send her a voucher by email": the question after the
            # story is searched on its own too, after its sentence (a short one, "..., can you send
            # someone out", says too little alone).
            sentences.extend(
                clause
                for clause in _QUESTION_AFTER_COMMA.split(sentence)[1:]
                if len(words(clause)) >= MIN_CLAUSE_WORDS
            )
        if len(sentences) > 1:
            # A part met only by words of any topic ("..., how does that work with you") names nothing
            # of its own: the rest of the message says what "that" is.
            found = [
                whole
                if sentence == query
                else [hit for hit in self._search(sentence, limit) if not _met_only_by_any_topic(hit)]
                for sentence in sentences
            ]
            # The first question an entry answers with confidence is the one to answer; when none is,
            # every sentence may lift its entries.
            first = next((hits for hits in found if hits and hits[0].score >= DEFAULT_THRESHOLD), None)
            for hits in [first] if first is not None else found:
                for hit in hits:
                    if hit.entry_id not in best or hit.score > best[hit.entry_id].score:
                        best[hit.entry_id] = hit
        return sorted(best.values(), key=lambda hit: -hit.score)[:limit]

    def _search(self, query: str, limit: int) -> list[KnowledgeHit]:
        units = self._thesaurus.units(query, self._reader.corrected)
        groups = self._reader.groups(units, query)
        total_weight = sum(group.weight for group in groups)
        if total_weight <= 0.0:
            return []
        # An entry met only by words that fit any topic ("times" in "what's 99 times 7", "make", "use")
        # or by price words ("how much does a taxi cost") shares nothing that says what the question is
        # about: its score counts GENERIC_WEIGHT.
        any_topic = [
            group.said in GENERIC_WORDS or any(term == PRICE_CONCEPT for term, _, _ in group.alternatives)
            for group in groups
        ]
        met, matched, agreeing, topical, meant = self._accumulate(groups, any_topic)
        if not met.any():
            return []
        covered = self._covered({term for group in groups for term, _, _ in group.alternatives})
        query_bigrams = _bigrams(units)
        positions = np.flatnonzero(met)
        coverage = _confirmed(matched[positions] / total_weight, agreeing[positions])
        share = np.where(topical[positions], 1.0, GENERIC_WEIGHT)
        share = np.where(meant[positions], share, share * HINTED_ONLY_SHARE)
        foreign = self._reader.foreign_subject(query, groups)
        if foreign is not None:
            # "is the pharmacy open on sunday" asks about the pharmacy, not about this tenant's hours.
            share = share * FOREIGN_SUBJECT_SHARE
        base = self._scaled_by_own_question(positions, coverage, covered[positions])
        if query_bigrams:
            # Each word pair the question shares with an entry's question or keywords adds its share of
            # BIGRAM_BONUS.
            shared = self._shared_pairs(query_bigrams)[positions]
            base = base + BIGRAM_BONUS * shared / len(query_bigrams)
        scores = share * np.minimum(base, 1.0)
        # The best ``limit`` by score, then by position.
        order = np.lexsort((positions, -scores))[:limit]
        scored = list(zip((-scores[order]).tolist(), positions[order].tolist(), strict=True))
        unmatched = tuple(group.said for group in groups if not group.alternatives)
        return [
            self._hit(self._entries[position], -negative, groups, unmatched, foreign)
            for negative, position in scored[:limit]
            if negative < 0.0
        ]

    def _accumulate(
        self, groups: Sequence[Group], any_topic: Sequence[bool]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per entry (arrays over the entries): whether any group meets it; the idf-weighted sum of its
        best match for each group; how many groups meet it at CONFIRMING_STRENGTH; whether a group
        that is not ``any_topic`` meets it; and whether one meets it by more than a hint."""
        size = self._size
        met = np.zeros(size, dtype=bool)
        matched = np.zeros(size)
        confirming = np.zeros(size, dtype=np.intp)
        topical = np.zeros(size, dtype=bool)
        meant = np.zeros(size, dtype=bool)
        for group, fits_any_topic in zip(groups, any_topic, strict=True):
            if not group.alternatives:
                continue
            best = np.zeros(size)
            for term, factor, kind in group.alternatives:
                found = self._postings.get(term)
                if found is not None:
                    # A term meets each entry once, so its positions never repeat.
                    positions, strengths = found
                    best[positions] = np.maximum(best[positions], factor * strengths)
                    if kind not in _NOT_MEANT:
                        meant[positions] = True
            meets = best > 0.0
            met |= meets
            matched += group.weight * best
            confirming += best >= CONFIRMING_STRENGTH
            if not fits_any_topic:
                topical |= meets
        return met, matched, confirming, topical, meant

    def _covered(self, query_terms: set[str]) -> np.ndarray:
        """Per entry: the idf of its own question words that a term of the question covers (each
        entry's words added in their order, as a loop over them would, so every sum is as it was)."""
        idfs = self._question_word_idfs
        covered = np.zeros(len(idfs), dtype=bool)
        for term in query_terms:
            words = self._covers.get(term)
            if words is not None:
                covered[words] = True
        return np.bincount(self._question_word_entries[covered], weights=idfs[covered], minlength=self._size)

    def _scaled_by_own_question(
        self, positions: np.ndarray, coverage: np.ndarray, covered: np.ndarray
    ) -> np.ndarray:
        """Each entry's coverage scaled by how much of its own question the question covers
        (``covered``: the idf of the entry's question words that a term of the question covers)."""
        weights = self._question_weights[positions]
        has_words = weights > 0.0
        own = np.where(has_words, covered / np.where(has_words, weights, 1.0), 1.0)
        return coverage * (1.0 - QUESTION_COVERAGE_SHARE + QUESTION_COVERAGE_SHARE * own)

    def _shared_pairs(self, query_bigrams: set[tuple[str, str]]) -> np.ndarray:
        """Per entry: how many of the question's word pairs it has (a pair meets each entry once)."""
        found = [self._pair_entries[pair] for pair in query_bigrams if pair in self._pair_entries]
        if not found:
            return np.zeros(self._size)
        return np.bincount(np.concatenate(found), minlength=self._size).astype(np.float64)

    def _hit(
        self,
        entry: _Entry,
        score: float,
        groups: Sequence[Group],
        unmatched: tuple[str, ...],
        foreign: str | None = None,
    ) -> KnowledgeHit:
        matches: list[KnowledgeMatch] = []
        for group in groups:
            best: tuple[float, str, MatchKind, int] | None = None
            for term, factor, kind in group.alternatives:
                found = entry.terms.get(term)
                if found is not None and (best is None or factor * found[0] > best[0]):
                    best = (factor * found[0], term, kind, found[1])
            if best is not None:
                _, term, kind, field = best
                shown = self._thesaurus.name_of(term) if term.startswith("~") else term
                matches.append(KnowledgeMatch(group.said, shown, kind, FIELDS[field]))
        return KnowledgeHit(
            entry_id=entry.doc.entry_id,
            question=entry.doc.question,
            answer=entry.doc.answer,
            score=score,
            category=entry.doc.category,
            matches=tuple(matches),
            unmatched=unmatched,
            foreign_subject=foreign,
        )


def _met_only_by_any_topic(hit: KnowledgeHit) -> bool:
    price = PRICE_CONCEPT.lstrip("~")
    return all(match.said in GENERIC_WORDS or match.matched == price for match in hit.matches)


def _confirmed(coverage: np.ndarray, agreeing: np.ndarray) -> np.ndarray:
    """Coverage raised when several parts of the question agree on one entry, lowered when none does.

    One shared word is what an off-topic question has too ("do you sell shoes"); two or three parts
    of a long message meeting the same entry's question or keywords are not chance, even when the
    message says much else. With one agreeing part the coverage stands as it is. With none, the entry
    met the question only in passing, a word of its answer ("how old are you" and "next to the old
    lighthouse") or a distant relative of one: its coverage counts ``UNCONFIRMED`` of itself.
    """
    # Met by no part at confirming strength: only words of its answer, or distant relatives.
    confirmed = np.where(agreeing == 0, UNCONFIRMED * coverage, coverage)
    # Few entries are met by two parts or more: math.pow for them keeps every score to the last digit
    # what it was before the sums moved to numpy (whose vectorised power may round differently).
    for at in np.flatnonzero(agreeing > 1).tolist():
        confirmed[at] = 1.0 - math.pow(1.0 - coverage[at], 1.0 + CONFIRMATION * (int(agreeing[at]) - 1))
    return confirmed


def is_ambiguous(
    hits: Sequence[KnowledgeHit], threshold: float = DEFAULT_THRESHOLD, margin: float = AMBIGUITY_MARGIN
) -> bool:
    """True when the two best hits are too close to choose between: ask the customer which one.

    The rule: both reach ``threshold`` (each alone would be answered), they are different entries, and
    the second scores within ``margin`` of the first. Scores are coverage (see the module's docstring),
    so two entries within 0.08 of each other answer the same share of the question.
    """
    if len(hits) < 2:
        return False
    first, second = sorted(hits, key=lambda hit: hit.score, reverse=True)[:2]
    return (
        first.entry_id != second.entry_id
        and second.score >= threshold
        and first.score - second.score < margin
    )


def rank(
    docs: Sequence[KnowledgeDoc], query: str, limit: int = 3, synonyms: Mapping[str, object] | None = None
) -> list[KnowledgeHit]:
    """Rank ``docs`` for ``query`` in one call; build a KnowledgeIndex instead to search repeatedly."""
    return KnowledgeIndex(docs, synonyms).search(query, limit)


class InMemoryKnowledgeBase:
    """The KnowledgeBase port over a fixed list of entries, indexed once at construction."""

    def __init__(
        self, docs: Iterable[KnowledgeDoc] = (), synonyms: Mapping[str, object] | None = None
    ) -> None:
        self._index = KnowledgeIndex(docs, synonyms)

    async def search(self, query: str, limit: int = 3) -> Sequence[KnowledgeHit]:
        return self._index.search(query, limit)
