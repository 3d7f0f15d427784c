"""The shipped prompts load by name, fill their placeholders, and unknown names fail clearly."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import prompts
from bot.engine.render import render

SHIPPED = [
    "fallback",
    "unsupported_message",
    "handoff",
    "system",
    "csat_question",
    "csat_thanks",
    "flood_notice",
]
VALUES = {"first_name": "Ana", "full_name": "Ana Lima", "bot_name": "Bea", "tenant_name": "Corner Bakery"}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_prompt_loads(name: str) -> None:
    text = prompts.load(name)
    assert text.strip() == text
    assert len(text) > 20


@pytest.mark.parametrize("name", SHIPPED)
def test_every_placeholder_in_a_prompt_gets_filled(name: str) -> None:
    rendered = render(prompts.load(name), {**VALUES, "persona": "Warm and brief."})
    assert "{" not in rendered
    assert "}" not in rendered


@pytest.mark.parametrize("name", ["fallback", "unsupported_message", "handoff", "flood_notice"])
def test_customer_facing_prompts_are_short(name: str) -> None:
    assert len(prompts.load(name)) < 300
    assert "\n" not in prompts.load(name)


CUSTOMER_FACING_WITHOUT_A_NAME = {
    "fallback": "Sorry, I didn't quite catch that. Could you put it another way?",
    "unsupported_message": "Thanks for that! I can only read text messages for now.",
    "handoff": "Thanks for your patience. I'm passing you to a member of the Corner Bakery team now;",
    "flood_notice": "You're sending messages faster than I can keep up with. Give me a minute,",
}
# A left-out placeholder must not leave a dangling comma, a space before punctuation or a stand-in.
AWKWARD = re.compile(r" [,.!?;](?=\s|\Z)|,[.!?]|  |\bthere\b|\{|\}")


@pytest.mark.parametrize("name", sorted(CUSTOMER_FACING_WITHOUT_A_NAME))
def test_customer_facing_prompts_read_naturally_when_the_name_is_unknown(name: str) -> None:
    text = render(prompts.load(name), {**VALUES, "first_name": None, "full_name": None})
    assert text.startswith(CUSTOMER_FACING_WITHOUT_A_NAME[name])
    assert not AWKWARD.search(text), text


def test_handoff_tells_the_customer_a_person_is_coming() -> None:
    text = render(prompts.load("handoff"), VALUES)
    assert "Ana" in text
    assert "Corner Bakery" in text


def test_system_prompt_carries_persona_and_the_rules() -> None:
    text = prompts.load("system")
    for placeholder in ("{persona}", "{bot_name}", "{tenant_name}"):
        assert placeholder in text
    lowered = text.lower()
    assert "knowledge base" in lowered
    assert "never reveal" in lowered
    assert "other businesses" in lowered


def test_prompts_are_cached() -> None:
    assert prompts.load("fallback") is prompts.load("fallback")


@pytest.mark.parametrize("name", ["nope", "", "Fallback", "../pyproject", "fallback.txt", "__init__"])
def test_unknown_prompt_raises_prompt_not_found(name: str) -> None:
    with pytest.raises(prompts.PromptNotFound) as caught:
        prompts.load(name)
    assert isinstance(caught.value, KeyError)
    assert caught.value.name == name
    assert repr(name) in str(caught.value)


def test_prompts_package_imports_nothing_of_ours() -> None:
    tree = ast.parse(Path(prompts.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"bot", "storage", "adapters"})
