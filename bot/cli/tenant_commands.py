"""`chatbot tenant create|list|set`."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import fail, in_session, secret_once, settings_or_exit
from bot.tenancy.tenant_accounts import create_tenant, list_tenants, require_tenant, set_link_domains


@click.group("tenant")
def tenant() -> None:
    """Tenants."""


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True, help="Short unique id: lowercase letters, digits, dashes.")
@click.option(
    "--plan", default="free", show_default=True, type=click.Choice(["free", "basic", "pro", "enterprise"])
)
def tenant_create(name: str, slug: str, plan: str) -> None:
    """Create a tenant; prints its API key once."""
    settings = settings_or_exit()
    created = in_session(settings, lambda s: create_tenant(s, name=name, slug=slug, plan_code=plan))
    click.echo(f"tenant {slug!r} created (id {created.id}, plan {plan})")
    secret_once("API key", created.secret)


@tenant.command("list")
def tenant_list() -> None:
    """List tenants."""
    settings = settings_or_exit()
    for slug, name in in_session(settings, list_tenants):
        click.echo(f"{slug}\t{name}")


@tenant.command("set")
@click.option("--tenant", "tenant_slug", required=True)
@click.option(
    "--link-domain",
    "link_domains",
    multiple=True,
    help="A site the bot's tracked links may lead to, with its subdomains (repeatable; replaces the list).",
)
@click.option("--no-link-domains", is_flag=True, help="Allow no link domains: the bot makes no links.")
def tenant_set(tenant_slug: str, link_domains: tuple[str, ...], no_link_domains: bool) -> None:
    """Change a tenant's settings."""
    if link_domains and no_link_domains:
        fail("give either --link-domain or --no-link-domains, not both", 2)
    if not link_domains and not no_link_domains:
        fail("nothing to change: give --link-domain (repeatable) or --no-link-domains", 2)
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> tuple[str, ...]:
        return await set_link_domains(session, await require_tenant(session, tenant_slug), link_domains)

    domains = in_session(settings, work)
    if domains:
        click.echo(
            f"tenant {tenant_slug!r}: tracked links may lead to {', '.join(domains)} and their subdomains"
        )
    else:
        click.echo(f"tenant {tenant_slug!r}: no link domains allowed; the bot makes no tracked links")
