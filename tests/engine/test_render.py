"""Placeholders in tenant text: filled when known, left out gracefully when missing, else left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.render import counted, render, turn_values
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
def test_a_missing_name_is_left_out_with_its_comma(values: dict[str, str | None]) -> None:
    assert render("Thanks for that, {first_name}!", values) == "Thanks for that!"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {first_name}!", "Hi!"),
        ("Sorry {first_name}, I didn't catch that.", "Sorry, I didn't catch that."),
        ("Of course, {first_name}. I'm on it.", "Of course. I'm on it."),
        ("Bye for now, {first_name} - enjoy!", "Bye for now - enjoy!"),
        ("{first_name}, your order is ready.", "Your order is ready."),
        ("Done! {{ first_name }}, anything else?", "Done! Anything else?"),
        ("Hello {first_name} {full_name}, welcome.", "Hello, welcome."),
        ("A member of the {tenant_name} team", "A member of the team"),
        ("[{full_name}|{bot_name}|{tenant_name}]", "[||]"),
        ("{first_name}", ""),
    ],
)
def test_text_reads_naturally_without_the_missing_values(template: str, expected: str) -> None:
    assert render(template, {"full_name": None}) == expected


def test_an_unknown_name_never_becomes_a_made_up_one() -> None:
    assert "there" not in render("You're very welcome, {first_name}!", {})
    assert render("Hi {first_name}, I'm {bot_name}.", {"bot_name": "Bea"}) == "Hi, I'm Bea."


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
    assert render("Hello {first_name}, {full_name}!", values) == "Hello!"


@given(template=st.text(), values=st.dictionaries(st.text(max_size=12), st.none() | st.text(max_size=20)))
def test_render_never_raises(template: str, values: dict[str, str | None]) -> None:
    assert isinstance(render(template, values), str)


@given(template=st.text().filter(lambda text: "{" not in text))
def test_text_without_braces_is_unchanged(template: str) -> None:
    assert render(template, VALUES) == template


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 entries"), (1, "1 entry"), (2, "2 entries"), (21, "21 entries")]
)
def test_counted_nouns_agree_with_their_number(count: int, expected: str) -> None:
    assert counted(count, "entry", "entries") == expected
    assert counted(count, "event") == expected.replace("entries", "events").replace("entry", "event")
