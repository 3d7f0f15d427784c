"""What an LLM turn costs: its tokens priced per model in US dollars, turned into credits by one rule.

The rule: **one credit is 0.01 USD of model cost, rounded up, and a turn that called the model costs at
least one credit**: ``credits = max(1, ceil(cost_usd / 0.01))``. A turn's cost is the sum over its
requests (every tool round) of prompt tokens times the model's input price plus completion tokens times
its output price. So a typical Gemini 2.5 Flash turn (a few thousand prompt tokens, a few hundred
completion tokens: about 0.002 USD) costs 1 credit; a long multi-tool turn on a Pro model costs more.

Prices are list prices in USD per million tokens. A model name matches its entry exactly or by its
longest prefix (``gemini-2.5-flash-preview-09-2025`` is priced as ``gemini-2.5-flash``); a model missing
from the table is priced like the dearest entry, so a new model never runs for less than it costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

USD_PER_CREDIT = Decimal("0.01")
MIN_CREDITS_PER_TURN = 1
# What a turn reserves before its first request is priced from this many prompt tokens and the bot's
# max_output_tokens: one ordinary request. The commit charges what the turn really cost.
RESERVE_PROMPT_TOKENS = 4000
_PER_MILLION = Decimal(1_000_000)
_COST_PLACES = Decimal("0.000001")  # usage_logs.cost keeps six decimal places


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: Decimal
    output_per_million: Decimal


MODEL_PRICES: Mapping[str, ModelPrice] = {
    "gemini-2.0-flash": ModelPrice(Decimal("0.10"), Decimal("0.40")),
    "gemini-2.0-flash-lite": ModelPrice(Decimal("0.075"), Decimal("0.30")),
    "gemini-2.5-flash": ModelPrice(Decimal("0.30"), Decimal("2.50")),
    "gemini-2.5-flash-lite": ModelPrice(Decimal("0.10"), Decimal("0.40")),
    "gemini-2.5-pro": ModelPrice(Decimal("1.25"), Decimal("10.00")),
    "gemini-3-pro-preview": ModelPrice(Decimal("2.00"), Decimal("12.00")),
}
UNKNOWN_MODEL_PRICE = max(
    MODEL_PRICES.values(), key=lambda price: (price.output_per_million, price.input_per_million)
)


def price_of(model: str | None) -> ModelPrice:
    name = (model or "").strip().lower().removeprefix("models/")
    if name in MODEL_PRICES:
        return MODEL_PRICES[name]
    prefixes = [known for known in MODEL_PRICES if name.startswith(known)]
    return MODEL_PRICES[max(prefixes, key=len)] if prefixes else UNKNOWN_MODEL_PRICE


def cost_usd(model: str | None, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """What the tokens cost at the model's list price, to the cent's ten-thousandth."""
    price = price_of(model)
    cost = (
        price.input_per_million * max(prompt_tokens, 0) + price.output_per_million * max(completion_tokens, 0)
    ) / _PER_MILLION
    return cost.quantize(_COST_PLACES)


def credits_for(cost: Decimal) -> int:
    """The credits a turn that called the model is charged for ``cost`` USD (see the module's rule)."""
    return max(MIN_CREDITS_PER_TURN, math.ceil(cost / USD_PER_CREDIT))


def reservation_for(model: str | None, max_output_tokens: int) -> int:
    """The credits a turn holds before it calls the model: one ordinary request of this bot."""
    return credits_for(cost_usd(model, RESERVE_PROMPT_TOKENS, max_output_tokens))
