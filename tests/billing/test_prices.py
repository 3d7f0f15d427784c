"""The price rule: tokens at the list price in USD; a credit per 0.01 USD, rounded up, at least one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.billing.prices import cost_usd, credits_for, price_of, reservation_for


def test_a_typical_flash_turn_costs_one_credit() -> None:
    cost = cost_usd("gemini-2.5-flash", prompt_tokens=3000, completion_tokens=300)
    assert cost == Decimal("0.001650")  # 3000 x 0.30 + 300 x 2.50, per million
    assert credits_for(cost) == 1


@pytest.mark.parametrize(
    ("cost", "credits"),
    [("0", 1), ("0.000001", 1), ("0.01", 1), ("0.010001", 2), ("0.0234", 3), ("1.00", 100)],
)
def test_credits_are_the_cost_in_cents_rounded_up_and_at_least_one(cost: str, credits: int) -> None:
    assert credits_for(Decimal(cost)) == credits


def test_a_long_pro_turn_costs_what_its_tokens_cost() -> None:
    cost = cost_usd("gemini-2.5-pro", prompt_tokens=24_000, completion_tokens=2_000)
    assert cost == Decimal("0.050000")
    assert credits_for(cost) == 5


def test_versions_are_priced_by_their_family_and_unknown_models_at_the_dearest_price() -> None:
    assert price_of("models/gemini-2.5-flash-preview-09-2025") == price_of("gemini-2.5-flash")
    assert price_of("gemini-2.5-flash-lite-001") == price_of("gemini-2.5-flash-lite")
    assert price_of("some-new-model") == price_of("gemini-3-pro-preview")
    assert price_of(None) == price_of("gemini-3-pro-preview")


def test_a_turn_reserves_one_ordinary_request() -> None:
    assert reservation_for("gemini-2.5-flash", 512) == 1
    assert reservation_for("gemini-2.5-pro", 8192) == 9  # 4000 x 1.25 + 8192 x 10.00, per million
