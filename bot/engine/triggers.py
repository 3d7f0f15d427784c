"""How a message meets a tenant's own triggers: a custom command named by its first word ("!price"),
and the template whose trigger keywords it says (steps 2 and 5 of DESIGN section 4)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from bot.engine.types import CommandInfo, TemplateInfo

__all__ = ["match_command", "match_template"]

_WORD = re.compile(r"\w+")
# "!price?" and "!price," are still the price command.
_COMMAND_TRAILING_PUNCTUATION = ".,;:!?"


def match_command(text: str, commands: Sequence[CommandInfo]) -> CommandInfo | None:
    """The command named by the first word of ``text`` ("!PRICE please" -> price), if any."""
    first_word = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first_word.startswith("!"):
        return None
    name = first_word[1:].rstrip(_COMMAND_TRAILING_PUNCTUATION).casefold()
    if not name:
        return None
    for command in commands:
        # Tenants store commands both as "price" and as "!price".
        if command.command.strip().lstrip("!").casefold() == name:
            return command
    return None


def match_template(text: str, templates: Sequence[TemplateInfo]) -> TemplateInfo | None:
    """The template whose trigger keywords match ``text`` best, or None.

    A keyword matches as a whole word or phrase, ignoring case and punctuation, so "price" matches
    "Price?" but not "priceless". The template matching the most keywords wins, then the one whose
    matches are longest (so "price list" beats "price"); a tie goes to the earlier template.
    """
    haystack = _phrase(text)
    if haystack == "  ":
        return None
    best: TemplateInfo | None = None
    best_rank = (0, 0, 0)
    for template in templates:
        matched = [keyword for keyword in _keyword_phrases(template.trigger_keywords) if keyword in haystack]
        if not matched:
            continue
        rank = (len(matched), sum(len(k.split()) for k in matched), sum(len(k) for k in matched))
        if rank > best_rank:
            best, best_rank = template, rank
    return best


@functools.lru_cache(maxsize=1024)
def _keyword_phrases(keywords: tuple[str, ...]) -> frozenset[str]:
    """A template's trigger keywords as phrases, blanks left out: every turn tries the same few
    templates, so their keywords are put in shape once."""
    return frozenset(phrase for phrase in map(_phrase, keywords) if phrase.strip())


def _phrase(text: str) -> str:
    # Words joined by single spaces and padded at both ends, so a substring test is a whole-word test.
    return " " + " ".join(_WORD.findall(text.casefold())) + " "
