"""Fill customer and bot placeholders into tenant-written text without ever failing a turn."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.engine.types import Turn

__all__ = ["PLACEHOLDERS", "counted", "placeholder_values", "placeholders_in", "render", "turn_values"]

# The placeholders every text may use. A missing value is left out together with the comma or space
# that joins it to the sentence, so "Thanks for that, {first_name}!" reads "Thanks for that!" and
# "Sorry {first_name}, I missed that" reads "Sorry, I missed that" when the name is unknown.
PLACEHOLDERS = frozenset({"first_name", "full_name", "bot_name", "tenant_name"})

# Tenants write both "{first_name}" and the "{{first_name}}" style of other chatbot builders, with or
# without inner spaces; both mean the same thing. Anything that is not an identifier in braces
# (JSON, emoticons, a lone "{") never matches and so stays exactly as written.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}|\{\s*([A-Za-z_]\w*)\s*\}")
# What joins a left-out placeholder to the text before it ("Thanks, {first_name}") ...
_JOINER_BEFORE = re.compile(r",?[ \t]*\Z")
# ... or, at the start of a sentence, to the text after it ("{first_name}, your order ...").
_JOINER_AFTER = re.compile(r",?[ \t]*")
_SENTENCE_START = re.compile(r"(\A|[.!?\n])[ \t]*\Z")


def render(template: str, values: Mapping[str, str | None]) -> str:
    """Replace known placeholders in ``template``; leave unknown ones and stray braces untouched.

    A placeholder is known when it is one of PLACEHOLDERS or a key of ``values``; a known one without
    a value is left out so that the sentence still reads naturally. Replacement is a single pass, so
    a customer called "{bot_name}" is printed as such, never expanded again.
    """
    out: list[str] = []
    position = 0
    capitalise_next = False
    for match in _PLACEHOLDER.finditer(template):
        before = template[position : match.start()]
        if capitalise_next and before:
            before, capitalise_next = _capitalised(before), False
        out.append(before)
        position = match.end()
        name = (match.group(1) or match.group(2)).lower()
        if name not in values and name not in PLACEHOLDERS:
            out.append(match.group(0))
            continue
        value = values.get(name)
        if value is not None and value.strip():
            out.append(value.strip())
            capitalise_next = False
            continue
        written = "".join(out)
        if _SENTENCE_START.search(written):
            # "{first_name}, your order is ready" -> "Your order is ready"
            joiner = _JOINER_AFTER.match(template, position)
            position = joiner.end() if joiner else position
            capitalise_next = True
        else:
            # "Thanks for that, {first_name}!" -> "Thanks for that!"
            out = [_JOINER_BEFORE.sub("", written)]
    rest = template[position:]
    out.append(_capitalised(rest) if capitalise_next else rest)
    return "".join(out)


def placeholders_in(template: str) -> list[str]:
    """The placeholder names ``template`` uses, in order, each once (as ``render`` reads them)."""
    names = ((m.group(1) or m.group(2)).lower() for m in _PLACEHOLDER.finditer(template))
    return list(dict.fromkeys(names))


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 entry", "2 entries", "0 events"."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def turn_values(turn: Turn) -> dict[str, str | None]:
    """The placeholder values one turn offers: the customer's names, the bot's and the tenant's."""
    return placeholder_values(
        first_name=turn.customer.first_name,
        full_name=turn.customer.full_name,
        bot_name=turn.bot.name,
        tenant_name=turn.tenant_name,
    )


def placeholder_values(
    *, first_name: str | None, full_name: str | None, bot_name: str | None, tenant_name: str | None
) -> dict[str, str | None]:
    """The values of PLACEHOLDERS, cleaned; what a turn offers, and what an agent's canned reply uses."""
    first = _clean(first_name)
    full = _clean(full_name)
    # Platforms often give only one of the two names; derive the other rather than print a default.
    if first is None and full is not None:
        first = full.split()[0]
    if full is None:
        full = first
    return {
        "first_name": first,
        "full_name": full,
        "bot_name": _clean(bot_name),
        "tenant_name": _clean(tenant_name),
    }


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return stripped or None
