"""Which customer answers are a CSAT rating (and its comment), and which go to the bot as messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.ratings import Rating, parse_rating


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", Rating(4)),
        (" 5 ", Rating(5)),
        ("4/5", Rating(4)),
        ("4 out of 5", Rating(4)),
        ("3 stars", Rating(3)),
        ("1 star", Rating(1)),
        ("Five!", Rating(5)),
        ("\u2b50\u2b50\u2b50\u2b50", Rating(4)),
        ("5 - quick and friendly", Rating(5, "quick and friendly")),
        ("2: nobody answered for an hour", Rating(2, "nobody answered for an hour")),
        ("3 star, meh", Rating(3, "meh")),
        ("4 \u2013 fine", Rating(4, "fine")),
    ],
)
def test_ratings_are_read_with_their_comment(text: str, expected: Rating) -> None:
    assert parse_rating(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5 bags of the house blend please",
        "0",
        "6",
        "10",
        "45",
        "4.5",
        "hello",
        "",
        "   ",
        "where is my order",
    ],
)
def test_messages_that_are_not_ratings_go_to_the_bot(text: str) -> None:
    assert parse_rating(text) is None


def test_a_quick_reply_payload_is_the_rating_whatever_its_title() -> None:
    assert parse_rating("Great", payload="5") == Rating(5)
    assert parse_rating("4", payload="SOMETHING_ELSE") == Rating(4)
    assert parse_rating("hi", payload="SOMETHING_ELSE") is None


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_a_parsed_rating_is_always_between_1_and_5(text: str, payload: str | None) -> None:
    rating = parse_rating(text, payload)
    assert rating is None or 1 <= rating.score <= 5
