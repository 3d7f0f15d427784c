"""`chatbot kb synonyms add|list|remove`: a tenant's own words for what its entries say, which `kb test`
(and every next turn) then reads as the group's name."""

from __future__ import annotations

from tests.cli.test_cli import Workspace, cli, prepared
from tests.cli.test_kb_test_command import field

__all__ = ["cli", "prepared"]

QUESTION = "what is the coffee passport?"


def test_a_synonym_group_lets_the_customers_own_word_find_the_entry(cli: Workspace) -> None:
    before = cli.run("kb", "test", "--tenant", "demo", QUESTION)
    assert field(before.out, "route") == "fallback"

    added = cli.run("kb", "synonyms", "add", "--tenant", "demo", "Loyalty", "coffee passport", "stamp card")

    assert added.code == 0, added.err
    assert added.out == "synonym group 'loyalty' saved with 2 synonyms; tenant 'demo' has 1 synonym group\n"
    after = cli.run("kb", "test", "--tenant", "demo", QUESTION)
    assert field(after.out, "route").startswith("knowledge (entry #")
    best = next(line for line in after.out.splitlines() if line.startswith("  * "))
    assert "How do loyalty points work?" in best
    assert "[matched: coffee passport->tenant:loyalty (phrase)]" in best


def test_an_admin_lists_replaces_and_removes_groups(cli: Workspace) -> None:
    cli.run("kb", "synonyms", "add", "--tenant", "demo", "loyalty", "coffee passport")
    cli.run("kb", "synonyms", "add", "--tenant", "demo", "gift card", "present voucher")
    replaced = cli.run("kb", "synonyms", "add", "--tenant", "demo", "loyalty", "bean club", "punch card")
    assert "saved with 2 synonyms; tenant 'demo' has 2 synonym groups" in replaced.out, replaced.err

    listed = cli.run("kb", "synonyms", "list", "--tenant", "demo")
    assert listed.out == "gift card\tpresent voucher\nloyalty\tbean club | punch card\n"
    assert cli.run("kb", "synonyms", "list", "--tenant", "acme").out == ""  # another tenant's are its own

    removed = cli.run("kb", "synonyms", "remove", "--tenant", "demo", "Gift Card")
    assert (removed.code, removed.out) == (0, "synonym group 'gift card' removed\n")
    again = cli.run("kb", "synonyms", "remove", "--tenant", "demo", "gift card")
    assert (again.code, again.err_lines) == (1, ["error: the tenant has no synonym group named 'gift card'"])
    assert cli.run("kb", "synonyms", "list", "--tenant", "demo").out == "loyalty\tbean club | punch card\n"


def test_a_refused_group_is_one_line_naming_the_part_at_fault_and_stores_nothing(cli: Workspace) -> None:
    blank = cli.run("kb", "synonyms", "add", "--tenant", "demo", "loyalty", "  ")
    assert (blank.code, blank.err_lines) == (
        1,
        ["error: members: a synonym group needs at least one word or phrase"],
    )
    too_long = cli.run(
        "kb", "synonyms", "add", "--tenant", "demo", "loyalty", "the card they stamp at the till"
    )
    assert (too_long.code, too_long.err_lines) == (
        1,
        ["error: members.0: a synonym is a word or a phrase of up to 4 words"],
    )
    nobody = cli.run("kb", "synonyms", "add", "--tenant", "nosuch", "loyalty", "stamp card")
    assert nobody.code == 1
    assert "nosuch" in nobody.err

    assert cli.run("kb", "synonyms", "list", "--tenant", "demo").out == ""
