"""The demo coffee shop: enough varied, consistent content for `chatbot demo` to feel like a real tenant."""

from __future__ import annotations

import re
import string

from bot.engine.render import render
from bot.tenancy.demo.content import DEMO_BOT, DEMO_COMMANDS, DEMO_KNOWLEDGE, DEMO_TEMPLATES, DEMO_TENANT
from bot.tenancy.knowledge_import import MAX_ANSWER_CHARS, MAX_KEYWORD_CHARS, MAX_QUESTION_CHARS

ALLOWED_PLACEHOLDERS = {"first_name", "full_name", "bot_name", "tenant_name"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def placeholders(body: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(body) if field is not None}


def test_tenant_and_bot_identity() -> None:
    assert (DEMO_TENANT.name, DEMO_TENANT.slug) == ("Demo Coffee Roasters", "demo")
    assert DEMO_BOT.name == "Bean"
    assert 0 < len(DEMO_BOT.persona) <= 500


def test_knowledge_base_has_about_twenty_distinct_entries() -> None:
    questions = [entry.question.strip().lower() for entry in DEMO_KNOWLEDGE]
    assert 18 <= len(questions) <= 25
    assert len(set(questions)) == len(questions)


def test_knowledge_entries_would_pass_the_import_rules() -> None:
    for entry in DEMO_KNOWLEDGE:
        assert entry.question.strip()
        assert len(entry.question) <= MAX_QUESTION_CHARS
        assert entry.answer.strip()
        assert len(entry.answer) <= MAX_ANSWER_CHARS
        assert entry.category.strip()
        assert entry.keywords, entry.question
        assert len(set(entry.keywords)) == len(entry.keywords), entry.question
        for keyword in entry.keywords:
            assert keyword == keyword.strip().lower()
            assert 0 < len(keyword) <= MAX_KEYWORD_CHARS


def test_opening_hours_entry_and_hours_command_agree() -> None:
    hours = next(entry for entry in DEMO_KNOWLEDGE if "opening hours" in entry.question.lower())
    command = next(command for command in DEMO_COMMANDS if command.command == "!hours")
    for text in (hours.answer, command.response):
        assert "9am" in text
        assert "6pm" in text


def test_templates_use_only_known_placeholders() -> None:
    assert 3 <= len(DEMO_TEMPLATES) <= 5
    for template in DEMO_TEMPLATES:
        used = placeholders(template.body)
        assert "first_name" in used, template.name
        assert used <= ALLOWED_PLACEHOLDERS, template.name
        assert template.trigger_keywords, template.name


# A left-out name must not leave a dangling comma, a space before punctuation or a stand-in.
AWKWARD = re.compile(r" [,.!?;](?=\s|\Z)|,[.!?]|  |\bthere\b|\{|\}")


def test_templates_and_commands_read_naturally_when_the_name_is_unknown() -> None:
    values = {
        "first_name": None,
        "full_name": None,
        "bot_name": DEMO_BOT.name,
        "tenant_name": DEMO_TENANT.name,
    }
    texts = {t.name: render(t.body, values) for t in DEMO_TEMPLATES}
    texts.update({c.command: render(c.response, values) for c in DEMO_COMMANDS})
    for name, text in texts.items():
        assert not AWKWARD.search(text), (name, text)
        assert text[:1].isupper(), (name, text)
    assert texts["thanks"] == "You're very welcome! Anything else I can help with?"
    assert texts["goodbye"] == "Bye for now - enjoy your next cup!"
    assert texts["greeting"].startswith("Hi! I'm Bean, the assistant at Demo Coffee Roasters.")
    assert texts["human request"].startswith("Of course. I'm passing you to a member of the")


def test_greeting_template_answers_hello() -> None:
    greeting = next(template for template in DEMO_TEMPLATES if template.name == "greeting")
    assert {"hi", "hello", "hey", "good morning"} <= set(greeting.trigger_keywords)


def test_no_trigger_fires_on_an_opening_hours_question() -> None:
    question = "what are your opening hours?"
    for template in DEMO_TEMPLATES:
        for trigger in template.trigger_keywords:
            assert not words(trigger) & words(question), (template.name, trigger)
            # Even a matcher that looks for substrings must not see a trigger here.
            assert trigger.lower() not in question, (template.name, trigger)


def test_no_trigger_phrase_appears_in_a_knowledge_question() -> None:
    triggers = [trigger for template in DEMO_TEMPLATES for trigger in template.trigger_keywords]
    for entry in DEMO_KNOWLEDGE:
        question = entry.question.lower()
        for trigger in triggers:
            assert not re.search(rf"\b{re.escape(trigger)}\b", question), (trigger, entry.question)


def test_commands_start_with_a_bang_and_help_lists_them_all() -> None:
    names = [command.command for command in DEMO_COMMANDS]
    assert sorted(names) == ["!help", "!hours", "!price"]
    assert all(name.startswith("!") and name == name.lower() for name in names)
    help_text = next(command.response for command in DEMO_COMMANDS if command.command == "!help")
    for name in names:
        assert name in help_text


def test_price_command_lists_prices() -> None:
    price = next(command.response for command in DEMO_COMMANDS if command.command == "!price")
    assert len(re.findall(r"\$\d+", price)) >= 3
