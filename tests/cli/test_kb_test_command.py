"""`chatbot kb test`: what the demo bot would make of a question without the LLM, and why."""

from __future__ import annotations

from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]


def field(out: str, name: str) -> str:
    """The value printed after ``name:`` (the first such line)."""
    line = next(line for line in out.splitlines() if line.startswith(f"{name}:"))
    return line.split(":", 1)[1].strip()


def test_a_price_question_is_answered_from_the_price_command(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "How much is a bag of your house blend?")

    assert result.code == 0, result.err
    assert field(result.out, "route").startswith("command")
    assert field(result.out, "why") == "pricing intent: answered from command !price"
    assert field(result.out, "intent").startswith("pricing")
    assert "House Blend - $14" in result.out
    assert "knowledge threshold 0.35" in result.out
    # The hits the decision looked at, with scores and the words they share with the question.
    assert "knowledge search for 'How much is a bag of your house blend?':" in result.out
    assert "[matched: " in result.out


def test_an_answered_question_names_its_entry_and_what_matched(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "what are your opening hours?")

    assert result.code == 0, result.err
    assert field(result.out, "route").startswith("knowledge (entry #")
    assert "at least the threshold 0.35" in field(result.out, "why")
    best = next(line for line in result.out.splitlines() if line.startswith("  * "))
    assert "What are your opening hours?" in best
    assert "[matched: opening hours" in best


def test_an_order_question_without_a_number_is_asked_back(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "where is my order?")

    assert field(result.out, "route") == "clarify"
    assert "order number" in field(result.out, "reply")
    assert "without an order number" in field(result.out, "why")


def test_an_off_topic_question_shows_the_fallback_and_how_close_it_came(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "who won the world cup")

    assert field(result.out, "route") == "fallback"
    assert field(result.out, "why").startswith("no entry reached the threshold 0.35")


def test_a_question_about_another_business_says_what_it_is_about(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "my amazon parcel is 3 days late")

    assert field(result.out, "route") == "fallback"
    assert "about 'amazon', which the tenant never names" in result.out


def test_an_intent_read_again_from_the_answer_shows_how_the_message_alone_read(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "can i pay with apple pay")

    intent = field(result.out, "intent")
    assert intent.startswith("product_inquiry")
    assert "read again from the answer (the message alone reads support" in intent


def test_an_intent_the_learned_correction_read_again_shows_the_rules_reading(cli: Workspace) -> None:
    result = cli.run("kb", "test", "--tenant", "demo", "how many points do i need for a discount")

    assert field(result.out, "route").startswith("knowledge")
    intent = field(result.out, "intent")
    assert intent.startswith("product_inquiry")
    assert "read again by the learned correction (the rules read pricing" in intent


def test_nothing_is_stored(cli: Workspace) -> None:
    before = cli.scalar("SELECT count(*) FROM messages")
    cli.run("kb", "test", "--tenant", "demo", "hi")
    assert cli.scalar("SELECT count(*) FROM messages") == before


def test_an_unknown_tenant_or_bot_is_refused_in_one_line(cli: Workspace) -> None:
    unknown_tenant = cli.run("kb", "test", "--tenant", "nobody", "hi")
    assert unknown_tenant.code == 1
    assert len(unknown_tenant.err_lines) == 1

    unknown_bot = cli.run("kb", "test", "--tenant", "demo", "--bot", "Nobody", "hi")
    assert unknown_bot.code == 1
    assert unknown_bot.err_lines == ["error: no bot named 'Nobody'"]
