"""WordNet as the knowledge search uses it: relatives of a word, and how general a word is."""

from __future__ import annotations

import pytest

from bot.engine.lexicon import (
    base_forms,
    describes,
    generality,
    is_compound_noun,
    names_a_person,
    never_describes,
    related_words,
    sense_count,
)


def test_a_word_and_its_synonyms_share_a_synset() -> None:
    assert "bill" in related_words("invoice")
    assert "invoice" in related_words("bill")
    assert "boot" in related_words("reboot")


def test_an_inflected_word_is_looked_up_by_its_base_form() -> None:
    assert "invoice" in base_forms("invoices")
    assert "bill" in related_words("invoices")
    assert "close" in base_forms("closed")


def test_only_the_commonest_senses_count() -> None:
    # "bill" is a bird's beak in its ninth noun sense; a shop's customer never means that.
    assert "beak" not in related_words("bill")
    assert "beak" in related_words("bill", senses=20)


def test_a_word_is_not_its_own_relative() -> None:
    for word in ("bill", "invoices", "close"):
        assert word not in related_words(word)
        assert not base_forms(word) & related_words(word)


@pytest.mark.parametrize(("general", "specific"), [("hit", "pizza"), ("last", "poem"), ("copy", "passport")])
def test_general_words_have_more_senses_than_specific_ones(general: str, specific: str) -> None:
    assert sense_count(general) > 6
    assert 1 <= sense_count(specific) <= 3


@pytest.mark.parametrize("word", ["routr", "asdkjh", "nimbusfibre", ""])
def test_a_word_wordnet_does_not_know_has_no_senses_and_no_relatives(word: str) -> None:
    assert sense_count(word) == 0
    assert related_words(word) == frozenset()


@pytest.mark.parametrize(
    ("word", "describing"),
    [("whatsoever", True), ("severe", True), ("normal", True), ("pizza", False), ("renew", False)],
)
def test_a_describing_word_is_one_with_more_adjective_senses_than_others(word: str, describing: bool) -> None:
    assert describes(word) is describing


def test_a_describing_word_no_entry_knows_counts_less_than_a_thing() -> None:
    # "whatsoever" says how; "passport" what the question is about.
    assert generality("whatsoever") < generality("passport") == 1.0


@pytest.mark.parametrize(
    ("word", "person"),
    [("engineer", True), ("technician", True), ("router", False), ("coffee", False), ("parcel", False)],
)
def test_a_word_names_a_person_when_its_commonest_senses_all_do(word: str, person: bool) -> None:
    # WordNet's first "router" is a woodworker; its second, the device, makes it no person.
    assert names_a_person(word) is person


@pytest.mark.parametrize(
    ("first", "second", "compound"),
    [
        ("post", "office", True),
        ("fair", "trade", True),
        ("fishing", "nets", True),
        ("thick", "walls", False),
        ("my", "router", False),
        ("e", "vouchers", False),
    ],
)
def test_a_compound_noun_is_one_wordnet_knows(first: str, second: str, compound: bool) -> None:
    assert is_compound_noun(first, second) is compound


@pytest.mark.parametrize(
    ("word", "never"), [("water", True), ("gym", True), ("netflix", True), ("mid", False), ("current", False)]
)
def test_a_word_that_never_describes_has_no_adjective_sense(word: str, never: bool) -> None:
    assert never_describes(word) is never
