"""Placeholders in tenant text: filled when known, defaulted when missing, left alone otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.render import render, turn_values
from bot.engine.types import BotSettings, ConversationState, CustomerInfo, InboundText, Turn

VALUES = {"first_name": "Ana", "full_name": "Ana Lima", "bot_name": "Bea", "tenant_name": "Corner Bakery"}


def make_turn(customer: CustomerInfo, tenant_name: str = "Corner Bakery") -> Turn:
    return Turn(
        tenant_id=1,
        tenant_name=tenant_name,
        bot=BotSettings(bot_id=1, name="Bea"),
        conversation=ConversationState(conversation_id=1, status="bot_active"),
        customer=customer,
        inbound=InboundText(text="hi"),
    )


def test_all_placeholders_filled() -> None:
    text = "Hi {first_name} ({full_name}), I'm {bot_name} from {tenant_name}."
    assert render(text, VALUES) == "Hi Ana (Ana Lima), I'm Bea from Corner Bakery."


@pytest.mark.parametrize("values", [{}, {"first_name": None}, {"first_name": ""}, {"first_name": "  "}])
def test_missing_first_name_reads_there(values: dict[str, str | None]) -> None:
    assert render("Hi {first_name}!", values) == "Hi there!"


def test_other_missing_values_are_empty() -> None:
    assert render("[{full_name}|{bot_name}|{tenant_name}]", {"full_name": None}) == "[||]"


@pytest.mark.parametrize(
    "text",
    [
        "Your order {order_id} has shipped",
        "{",
        "}",
        "}{",
        "{}",
        "{ }",
        "{first_name",
        "first_name}",
        '{"json": true}',
        "{0} and {1}",
        "{first_name!r}",
        "{first_name:>10}",
        "{first name}",
        ":-{ and :-}",
    ],
)
def test_unknown_placeholders_and_stray_braces_stay_as_written(text: str) -> None:
    assert render(text, VALUES) == text


@pytest.mark.parametrize("text", ["{{first_name}}", "{ first_name }", "{{ First_Name }}", "{FIRST_NAME}"])
def test_common_placeholder_spellings(text: str) -> None:
    assert render(text, VALUES) == "Ana"


def test_values_are_not_expanded_twice() -> None:
    assert render("Hi {first_name}", {"first_name": "{bot_name}", "bot_name": "Bea"}) == "Hi {bot_name}"


def test_extra_values_fill_their_own_placeholders() -> None:
    assert render("{persona}", {"persona": "Cheerful baker."}) == "Cheerful baker."
    assert render("{persona}", {}) == "{persona}"


def test_turn_values_from_a_full_customer() -> None:
    turn = make_turn(CustomerInfo(customer_id=1, first_name="Ana", full_name="Ana Lima"))
    assert turn_values(turn) == VALUES


def test_turn_values_derive_the_missing_name() -> None:
    only_full = turn_values(make_turn(CustomerInfo(customer_id=1, full_name="  Ana   Lima ")))
    assert only_full["first_name"] == "Ana"
    assert only_full["full_name"] == "Ana Lima"

    only_first = turn_values(make_turn(CustomerInfo(customer_id=1, first_name="Ana")))
    assert only_first["full_name"] == "Ana"


def test_turn_values_for_an_anonymous_customer() -> None:
    values = turn_values(make_turn(CustomerInfo(customer_id=1, first_name=" ", full_name=None)))
    assert values["first_name"] is None
    assert render("Hello {first_name}, {full_name}!", values) == "Hello there, !"


@given(template=st.text(), values=st.dictionaries(st.text(max_size=12), st.none() | st.text(max_size=20)))
def test_render_never_raises(template: str, values: dict[str, str | None]) -> None:
    assert isinstance(render(template, values), str)


@given(template=st.text().filter(lambda text: "{" not in text))
def test_text_without_braces_is_unchanged(template: str) -> None:
    assert render(template, VALUES) == template
