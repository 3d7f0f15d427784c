"""`chatbot customer forget`: a customer who chatted is forgotten by platform id or by id, once."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]


def chat_as(ws: Workspace, user: str, *lines: str) -> int:
    result = ws.run("chat", "--user", user, stdin="".join(f"{line}\n" for line in lines))
    assert result.code == 0, result.err
    customer_id = ws.scalar("SELECT id FROM customers WHERE platform_user_id = ?", (user,))
    assert isinstance(customer_id, int)
    return customer_id


def texts_of(ws: Workspace, customer_id: int) -> list[object]:
    return [
        text
        for (text,) in ws.query(
            "SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.customer_id = ? ORDER BY m.id",
            (customer_id,),
        )
    ]


def test_forget_by_platform_id_erases_her_words_and_keeps_the_rows(cli: Workspace) -> None:
    rita = chat_as(cli, "rita.moreno", "hi", "how much is the house blend?")
    otto = chat_as(cli, "otto", "opening hours?")
    assert len(texts_of(cli, rita)) == 4

    result = cli.run(
        "customer", "forget", "--tenant", "demo", "--platform", "console", "--user", "rita.moreno",
        "--requested-by", "email from the customer, ticket 311",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert result.out.strip() == (
        f"customer {rita} forgotten: 4 messages erased, 0 group memberships removed, "
        "1 open conversation closed"
    )
    assert texts_of(cli, rita) == ["[erased]"] * 4
    assert "opening hours?" in texts_of(cli, otto)
    assert cli.query("SELECT name, platform_user_id FROM customers WHERE id = ?", (rita,)) == [
        (None, f"erased:{rita}")
    ]
    assert cli.query("SELECT customer_id, requested_by FROM erasures") == [
        (rita, "email from the customer, ticket 311")
    ]
    # The intents still count in reports.
    intents = cli.query(
        "SELECT intent FROM messages WHERE customer_id = ? AND direction = 'in' ORDER BY id", (rita,)
    )
    assert intents == [("greeting",), ("pricing",)]
    stored = [
        *cli.query("SELECT * FROM messages"),
        *cli.query("SELECT * FROM inbound_events"),
        *cli.query("SELECT * FROM customers"),
    ]
    everything = "\n".join(map(str, stored))
    assert "rita" not in everything


def test_forgetting_again_by_id_changes_nothing_and_says_so(cli: Workspace) -> None:
    rita = chat_as(cli, "rita", "hi")
    first = cli.run("customer", "forget", "--tenant", "demo", "--id", str(rita))
    assert first.code == 0, first.err

    again = cli.run("customer", "forget", "--tenant", "demo", "--id", str(rita))

    assert again.code == 0, again.err
    assert f"customer {rita} was already forgotten on " in again.out
    assert "nothing changed" in again.out
    assert cli.scalar("SELECT count(*) FROM erasures") == 1
    assert cli.scalar("SELECT requested_by FROM erasures") == "operator (command line)"


def test_a_forgotten_customer_is_not_found_by_platform_id_again(cli: Workspace) -> None:
    chat_as(cli, "rita", "hi")
    assert (
        cli.run("customer", "forget", "--tenant", "demo", "--platform", "console", "--user", "rita").code == 0
    )

    again = cli.run("customer", "forget", "--tenant", "demo", "--platform", "console", "--user", "rita")

    assert again.code == 1
    assert again.err_lines == [
        "error: no console customer with user id 'rita' in this tenant "
        "(a forgotten customer is no longer found by it)"
    ]


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--id", "1", "--platform", "console", "--user", "rita"],
        ["--platform", "console"],
        ["--user", "rita"],
    ],
)
def test_the_customer_must_be_named_one_way(cli: Workspace, args: list[str]) -> None:
    result = cli.run("customer", "forget", "--tenant", "demo", *args)

    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("error: ")
    assert cli.scalar("SELECT count(*) FROM erasures") == 0


def test_an_unknown_tenant_or_customer_is_one_line_and_exit_1(cli: Workspace) -> None:
    tenant = cli.run("customer", "forget", "--tenant", "nosuch", "--id", "1")
    customer = cli.run("customer", "forget", "--tenant", "demo", "--id", "999")

    assert (tenant.code, customer.code) == (1, 1)
    assert "nosuch" in tenant.err_lines[0]
    assert customer.err_lines == ["error: no customer with id 999 in this tenant"]


def test_help_lists_the_customer_command(cli: Workspace) -> None:
    result = cli.run("customer", "--help")

    assert result.code == 0
    assert "forget" in result.out
