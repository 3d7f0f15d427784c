"""Reading a customer's answer to "how did we do?": a 1-5 rating, and an optional comment after it.

A rating is the whole message ("4", "4/5", "4 stars", "⭐⭐⭐⭐"), or a rating followed by a separator and
a comment ("5 - quick and friendly", "2: nobody answered for an hour"). A message that merely starts with
a number ("5 bags of the house blend please") is not a rating: it goes to the bot like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RATING_CHOICES = ("1", "2", "3", "4", "5")

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_STAR = "\u2b50"
_RATING = re.compile(
    r"""^\s*
    (?:(?P<number>[1-5])|(?P<word>one|two|three|four|five))
    \s*(?:/\s*5|out\s+of\s+5|stars?)?   # "4/5", "4 out of 5", "4 stars"
    \s*(?:$|[-\u2013\u2014:.,!;)](?!\d)\s*(?P<comment>.*))""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None = None


def parse_rating(text: str | None, payload: str | None = None) -> Rating | None:
    """The rating this message gives, or None when it is not an answer to the rating question."""
    if payload and payload.strip() in RATING_CHOICES:
        return Rating(int(payload.strip()))
    value = (text or "").strip()
    if not value:
        return None
    stars = value.replace("\ufe0f", "")
    if stars and set(stars) == {_STAR} and len(stars) <= 5:
        return Rating(len(stars))
    match = _RATING.match(value)
    if match is None:
        return None
    score = int(match["number"]) if match["number"] else _WORDS[match["word"].lower()]
    comment = (match["comment"] or "").strip()[:MAX_COMMENT_CHARS] or None
    return Rating(score, comment)
