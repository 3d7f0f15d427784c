"""`chatbot tenant set`: link domains, escalation timeout, notification webhook, set by the operator."""

from __future__ import annotations

import json
import re

from tests.cli.test_cli import Workspace, cli, prepared
from tests.cli.test_credits_commands import balance, ledger_sum

__all__ = ["cli", "prepared"]


def link_domains(ws: Workspace, slug: str) -> object:
    settings = ws.scalar("SELECT settings FROM tenants WHERE slug = ?", (slug,))
    return json.loads(str(settings)).get("allowed_link_domains")


def test_the_demo_allows_its_own_shop(cli: Workspace) -> None:
    assert link_domains(cli, "demo") == ["democoffee.example"]


def test_link_domains_are_set_lowercase_and_replace_the_list(cli: Workspace) -> None:
    result = cli.run(
        "tenant",
        "set",
        "--tenant",
        "acme",
        "--link-domain",
        "Shop.Acme.COM",
        "--link-domain",
        "pay.example.org",
    )

    assert result.code == 0, result.err
    assert "shop.acme.com, pay.example.org" in result.out
    assert link_domains(cli, "acme") == ["shop.acme.com", "pay.example.org"]

    replaced = cli.run("tenant", "set", "--tenant", "acme", "--link-domain", "acme.example")

    assert replaced.code == 0, replaced.err
    assert link_domains(cli, "acme") == ["acme.example"]


def test_no_link_domains_clears_the_list(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "demo", "--no-link-domains")

    assert result.code == 0, result.err
    assert "no tracked links" in result.out
    assert link_domains(cli, "demo") == []


def test_a_url_instead_of_a_domain_is_refused_in_one_line_and_nothing_changes(cli: Workspace) -> None:
    result = cli.run(
        "tenant",
        "set",
        "--tenant",
        "demo",
        "--link-domain",
        "ok.example",
        "--link-domain",
        "https://x.example/",
    )

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "'https://x.example/'" in result.err_lines[0]
    assert "without scheme" in result.err_lines[0]
    assert link_domains(cli, "demo") == ["democoffee.example"]


def test_tenant_set_without_a_change_or_with_both_options_is_a_usage_error(cli: Workspace) -> None:
    nothing = cli.run("tenant", "set", "--tenant", "demo")
    both = cli.run("tenant", "set", "--tenant", "demo", "--link-domain", "a.example", "--no-link-domains")

    assert (nothing.code, both.code) == (2, 2)
    assert len(nothing.err_lines) == 1
    assert "--link-domain" in nothing.err_lines[0]
    assert len(both.err_lines) == 1
    assert link_domains(cli, "demo") == ["democoffee.example"]


def test_an_unknown_tenant_is_named(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "nosuch", "--link-domain", "a.example")

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "nosuch" in result.err_lines[0]


# -- escalation timeout and notification webhook ------------------------------------------------------

SIGNING_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9_-]{30,}")


def tenant_settings(ws: Workspace, slug: str) -> dict[str, object]:
    settings = ws.scalar("SELECT settings FROM tenants WHERE slug = ?", (slug,))
    loaded: dict[str, object] = json.loads(str(settings))
    return loaded


def test_the_escalation_timeout_and_its_text_are_set(cli: Workspace) -> None:
    result = cli.run(
        "tenant",
        "set",
        "--tenant",
        "acme",
        "--escalation-timeout",
        "5",
        "--escalation-timeout-text",
        "  Hang on, a person is coming.  ",
    )

    assert result.code == 0, result.err
    assert "unclaimed for 5 minutes" in result.out
    stored = tenant_settings(cli, "acme")
    assert stored["escalation_timeout_minutes"] == 5
    assert stored["escalation_timeout_text"] == "Hang on, a person is coming."

    off = cli.run(
        "tenant", "set", "--tenant", "acme", "--escalation-timeout", "0", "--escalation-timeout-text", ""
    )
    assert off.code == 0, off.err
    assert "escalation timeout off" in off.out
    stored = tenant_settings(cli, "acme")
    assert stored["escalation_timeout_minutes"] == 0
    assert "escalation_timeout_text" not in stored


def test_a_negative_timeout_is_refused_in_one_line(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--escalation-timeout", "-1")

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "between 0 (off)" in result.err_lines[0]
    assert "escalation_timeout_minutes" not in tenant_settings(cli, "acme")


def test_a_notify_url_prints_its_signing_secret_once_and_stores_it_encrypted(cli: Workspace) -> None:
    result = cli.run(
        "tenant", "set", "--tenant", "acme", "--notify-url", "https://hooks.acme.example/chatbot"
    )

    assert result.code == 0, result.err
    assert "notifications go to https://hooks.acme.example/chatbot" in result.out
    [secret] = SIGNING_SECRET.findall(result.out)
    assert "shown once" in result.out
    assert secret not in result.err
    stored = tenant_settings(cli, "acme")
    assert stored["notification_url"] == "https://hooks.acme.example/chatbot"
    # Neither the settings column nor anything else in the database holds the secret in clear.
    assert secret not in json.dumps(stored)
    assert secret.encode() not in cli.db_path.read_bytes()
    assert str(stored["notification_secret"]).startswith("gAAAA")  # a Fernet token

    # Changing the URL keeps the secret: nothing is printed again.
    moved = cli.run("tenant", "set", "--tenant", "acme", "--notify-url", "https://new.acme.example/hook")
    assert moved.code == 0, moved.err
    assert SIGNING_SECRET.findall(moved.out) == []
    assert tenant_settings(cli, "acme")["notification_secret"] == stored["notification_secret"]

    rotated = cli.run("tenant", "set", "--tenant", "acme", "--rotate-notify-secret")
    assert rotated.code == 0, rotated.err
    [new_secret] = SIGNING_SECRET.findall(rotated.out)
    assert new_secret != secret
    assert tenant_settings(cli, "acme")["notification_secret"] != stored["notification_secret"]

    removed = cli.run("tenant", "set", "--tenant", "acme", "--notify-url", "")
    assert removed.code == 0, removed.err
    assert "removed" in removed.out
    stored = tenant_settings(cli, "acme")
    assert "notification_url" not in stored
    assert "notification_secret" not in stored


def test_a_notify_url_that_is_not_http_or_carries_a_password_is_refused(cli: Workspace) -> None:
    for url in ("ftp://hooks.acme.example/", "hooks.acme.example/x", "https://user:pw@hooks.acme.example/"):
        result = cli.run("tenant", "set", "--tenant", "acme", "--notify-url", url)
        assert result.code == 1, url
        assert len(result.err_lines) == 1
        assert "pw" not in result.err
    assert "notification_url" not in tenant_settings(cli, "acme")


def test_rotating_without_a_url_is_refused(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--rotate-notify-secret")

    assert result.code == 1
    assert "set one first" in result.err
    assert SIGNING_SECRET.findall(result.out) == []


# -- conversions: attribution window and API key ---------------------------------------------------------

API_KEY = re.compile(r"\bcbk_[A-Za-z0-9_-]{30,}")


def test_the_attribution_window_is_set_in_days(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--attribution-window", "14")

    assert result.code == 0, result.err
    assert "14 days after the bot's last reply" in result.out
    assert tenant_settings(cli, "acme")["attribution_window_days"] == 14

    refused = cli.run("tenant", "set", "--tenant", "acme", "--attribution-window", "0")
    assert refused.code == 1
    assert len(refused.err_lines) == 1
    assert "between 1 and 365 days" in refused.err
    assert tenant_settings(cli, "acme")["attribution_window_days"] == 14


def test_rotating_the_api_key_prints_a_new_one_once_and_stores_only_its_hash(cli: Workspace) -> None:
    live = (
        "SELECT k.key_hash FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
        "WHERE t.slug = ? AND k.revoked_at IS NULL"
    )
    old_hash = cli.scalar(live, ("acme",))

    result = cli.run("tenant", "set", "--tenant", "acme", "--rotate-api-key")

    assert result.code == 0, result.err
    [key] = API_KEY.findall(result.out)
    assert "shown once" in result.out
    new_hash = cli.scalar(live, ("acme",))
    assert new_hash != old_hash
    assert cli.scalar(live.replace("k.key_hash", "count(*)"), ("acme",)) == 1
    assert key.encode() not in cli.db_path.read_bytes()


def test_the_link_token_parameter_is_set_checked_and_cleared(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--link-token-param", "cb_link")

    assert result.code == 0, result.err
    assert "?cb_link=<token>" in result.out
    assert tenant_settings(cli, "acme")["link_token_param"] == "cb_link"

    refused = cli.run("tenant", "set", "--tenant", "acme", "--link-token-param", "cb link&x=1")
    assert refused.code == 1
    assert len(refused.err_lines) == 1
    assert tenant_settings(cli, "acme")["link_token_param"] == "cb_link"

    cleared = cli.run("tenant", "set", "--tenant", "acme", "--link-token-param", "")
    assert cleared.code == 0, cleared.err
    assert "link_token_param" not in tenant_settings(cli, "acme")


def test_an_upgrade_from_the_command_line_adds_the_credits_now_and_shows_in_credits_show(
    cli: Workspace,
) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--plan", "basic")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "tenant 'acme': plan free -> basic from now (its rate limits from the next turn)"
    assert re.fullmatch(
        r"tenant 'acme': 90 plan credits added for this period \(they expire at its end, "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\); billed 19\.00 USD",
        lines[1],
    )
    shown = cli.run("credits", "show", "--tenant", "acme")
    assert shown.code == 0, shown.err
    assert "plan        Basic (basic)" in shown.out
    assert "billed this period: 19.00 USD" in shown.out
    assert balance(cli, "acme") == ledger_sum(cli, "acme") == 100


def test_a_downgrade_keeps_the_period_and_the_same_plan_again_changes_nothing(cli: Workspace) -> None:
    down = cli.run("tenant", "set", "--tenant", "demo", "--plan", "basic")
    again = cli.run("tenant", "set", "--tenant", "demo", "--plan", "basic")

    assert down.code == again.code == 0, down.err + again.err
    assert "plan pro -> basic from now" in down.out
    kept = "this period keeps its credits; the basic plan's own credits and price from the next period"
    assert kept in down.out
    assert balance(cli, "demo") == ledger_sum(cli, "demo")
    assert again.out == "tenant 'demo': already on the basic plan; nothing changed\n"


def test_an_unknown_plan_is_a_usage_error_naming_the_plans(cli: Workspace) -> None:
    result = cli.run("tenant", "set", "--tenant", "acme", "--plan", "gold")

    assert result.code == 2
    assert "'gold' is not one of 'free', 'basic', 'pro', 'enterprise'" in result.err
    plans = cli.query(
        "SELECT p.code FROM subscriptions s JOIN plans p ON p.id = s.plan_id JOIN tenants t "
        "ON t.id = s.tenant_id WHERE t.slug = 'acme'"
    )
    assert plans == [("free",)]
