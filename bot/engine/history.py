"""The conversation history sent to the LLM: the most recent turns that fit a token budget."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.types import HistoryItem

# Gemini's tokenizer averages about four characters of English per token; an estimate is enough
# to keep a long conversation from growing the prompt without limit.
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def history_window(history: Sequence[HistoryItem], budget_tokens: int) -> list[HistoryItem]:
    """The newest items whose estimated tokens fit ``budget_tokens``, oldest first; older ones are dropped."""
    kept: list[HistoryItem] = []
    used = 0
    for item in reversed(history):
        cost = estimate_tokens(item.text)
        if used + cost > budget_tokens:
            break
        kept.append(item)
        used += cost
    kept.reverse()
    # A window must not open with the bot talking: drop leading non-customer items.
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept
