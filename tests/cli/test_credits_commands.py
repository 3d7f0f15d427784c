"""`chatbot credits grant|adjust|show|history` and `bot set --out-of-credits`, as an operator runs them."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import Workspace, cli, prepared

__all__ = ["cli", "prepared"]


def balance(ws: Workspace, slug: str) -> int:
    found = ws.scalar(
        "SELECT a.balance FROM credit_accounts a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = ?",
        (slug,),
    )
    assert isinstance(found, int)
    return found


def ledger_sum(ws: Workspace, slug: str) -> int:
    found = ws.scalar(
        "SELECT SUM(l.delta) FROM credit_transactions l JOIN tenants t ON t.id = l.tenant_id "
        "WHERE t.slug = ?",
        (slug,),
    )
    assert isinstance(found, int)
    return found


def test_a_new_tenant_starts_with_its_plans_credits_in_the_ledger(cli: Workspace) -> None:
    assert balance(cli, "acme") == ledger_sum(cli, "acme") == 10  # the free plan
    history = cli.run("credits", "history", "--tenant", "acme")
    assert history.code == 0, history.err
    assert "refill" in history.out
    assert "1 ledger row" in history.out


def test_a_grant_adds_credits_once_per_key(cli: Workspace) -> None:
    first = cli.run("credits", "grant", "--tenant", "acme", "--credits", "500", "--key", "order-1001")
    assert first.code == 0, first.err
    assert "granted 500 credits; balance 510" in first.out

    again = cli.run("credits", "grant", "--tenant", "acme", "--credits", "500", "--key", "order-1001")
    assert again.code == 0, again.err
    assert "nothing changed; balance 510" in again.out
    assert balance(cli, "acme") == ledger_sum(cli, "acme") == 510

    other_amount = cli.run("credits", "grant", "--tenant", "acme", "--credits", "50", "--key", "order-1001")
    assert other_amount.code == 1
    assert other_amount.err_lines == [
        "error: key 'order-1001' was used for a grant of 500 credits; use a new key for a different change"
    ]
    assert balance(cli, "acme") == 510


def test_a_grant_without_a_key_is_refused(cli: Workspace) -> None:
    result = cli.run("credits", "grant", "--tenant", "acme", "--credits", "5")
    assert result.code == 2
    assert "Missing option '--key'" in result.err
    blank = cli.run("credits", "grant", "--tenant", "acme", "--credits", "5", "--key", "  ")
    assert blank.code == 1
    assert "an idempotency key is required" in blank.err
    assert balance(cli, "acme") == 10


@pytest.mark.parametrize("amount", ["-5", "0", "ten", "2.5", "99999999999"])
def test_a_grant_of_a_bad_amount_is_refused_and_changes_nothing(cli: Workspace, amount: str) -> None:
    result = cli.run("credits", "grant", "--tenant", "acme", "--credits", amount, "--key", "k1")
    assert result.code == 2
    assert "--credits" in result.err
    assert "Traceback" not in result.err
    assert balance(cli, "acme") == 10


def test_an_unknown_tenant_is_one_line(cli: Workspace) -> None:
    result = cli.run("credits", "show", "--tenant", "nobody")
    assert result.code == 1
    assert result.err_lines == ["error: no tenant with slug 'nobody' (list them with: chatbot tenant list)"]


def test_an_adjustment_corrects_either_way_but_not_below_zero(cli: Workspace) -> None:
    down = cli.run(
        "credits",
        "adjust",
        "--tenant",
        "acme",
        "--credits",
        "-4",
        "--key",
        "fix-1",
        "--reason",
        "double grant",
    )
    assert down.code == 0, down.err
    assert "adjusted by -4 credits; balance 6" in down.out
    too_far = cli.run(
        "credits", "adjust", "--tenant", "acme", "--credits", "-7", "--key", "fix-2", "--reason", "oops"
    )
    assert too_far.code == 1
    assert "has 6 credits free; cannot take 7" in too_far.err
    assert balance(cli, "acme") == ledger_sum(cli, "acme") == 6


def test_show_prints_the_plan_the_period_and_the_balance(cli: Workspace) -> None:
    cli.run("credits", "grant", "--tenant", "demo", "--credits", "20", "--key", "gift-1")
    result = cli.run("credits", "show", "--tenant", "demo")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "plan        Pro (pro), overage allowed"
    assert lines[1] == "status      active"
    assert lines[3] == "balance     1020 (0 held by turns in flight, 1020 free)"
    assert lines[4] == "this period 0 of 1020 credits used (0 %); plan credits 1000, overage 0"
    assert lines[-1] == "billed this period: 0.00 USD"


def test_history_lists_the_ledger_newest_first_and_the_billing_events(cli: Workspace) -> None:
    cli.run(
        "credits", "grant", "--tenant", "acme", "--credits", "7", "--key", "ticket-9", "--note", "apology"
    )
    result = cli.run("credits", "history", "--tenant", "acme")
    assert result.code == 0, result.err
    rows = result.out.splitlines()
    assert rows[1].split()[2:6] == ["grant", "7", "0", "17"]
    assert "grant:ticket-9  (apology)" in rows[1]
    assert rows[2].split()[2] == "refill"
    billing = cli.run("credits", "history", "--tenant", "acme", "--billing")
    assert billing.code == 0, billing.err
    assert billing.out.strip() == "0 billing events, 0.00 USD"


def test_the_out_of_credits_action_is_a_bot_setting(cli: Workspace) -> None:
    assert json.loads(cli.run("bot", "show", "--tenant", "demo").out)["out_of_credits_action"] == "answer"
    changed = cli.run("bot", "set", "--tenant", "demo", "--out-of-credits", "handoff")
    assert changed.code == 0, changed.err
    assert json.loads(changed.out)["out_of_credits_action"] == "handoff"
    bad = cli.run("bot", "set", "--tenant", "demo", "--out-of-credits", "apologise")
    assert bad.code == 2
    assert "'apologise' is not one of 'answer', 'handoff'" in bad.err
