"""Fill customer and bot placeholders into tenant-written text without ever failing a turn."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.engine.types import Turn

__all__ = ["DEFAULTS", "render", "turn_values"]

# What a placeholder becomes when its value is missing: "Hi {first_name}!" still reads well as
# "Hi there!", while a missing full name is better left out than replaced with a guess.
DEFAULTS: Mapping[str, str] = {
    "first_name": "there",
    "full_name": "",
    "bot_name": "",
    "tenant_name": "",
}

# Tenants write both "{first_name}" and the "{{first_name}}" style of other chatbot builders, with or
# without inner spaces; both mean the same thing. Anything that is not an identifier in braces
# (JSON, emoticons, a lone "{") never matches and so stays exactly as written.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}|\{\s*([A-Za-z_]\w*)\s*\}")


def render(template: str, values: Mapping[str, str | None]) -> str:
    """Replace known placeholders in ``template``; leave unknown ones and stray braces untouched.

    A placeholder is known when it is one of DEFAULTS or a key of ``values``. Replacement is a
    single pass, so a customer called "{bot_name}" is printed as such, never expanded again.
    """

    def substitute(match: re.Match[str]) -> str:
        name = (match.group(1) or match.group(2)).lower()
        if name not in values and name not in DEFAULTS:
            return match.group(0)
        value = values.get(name)
        if value is None or not value.strip():
            return DEFAULTS.get(name, "")
        return value.strip()

    return _PLACEHOLDER.sub(substitute, template)


def turn_values(turn: Turn) -> dict[str, str | None]:
    """The placeholder values one turn offers: the customer's names, the bot's and the tenant's."""
    first_name = _clean(turn.customer.first_name)
    full_name = _clean(turn.customer.full_name)
    # Platforms often give only one of the two names; derive the other rather than print a default.
    if first_name is None and full_name is not None:
        first_name = full_name.split()[0]
    if full_name is None:
        full_name = first_name
    return {
        "first_name": first_name,
        "full_name": full_name,
        "bot_name": _clean(turn.bot.name),
        "tenant_name": _clean(turn.tenant_name),
    }


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return stripped or None
