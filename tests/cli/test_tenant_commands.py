"""`chatbot tenant set`: the sites a tenant's tracked links may lead to, set by the operator."""

from __future__ import annotations

import json

from tests.cli.test_cli import Workspace, cli, prepared

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
