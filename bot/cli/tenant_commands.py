"""`chatbot tenant create|list`."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, secret_once, settings_or_exit
from bot.tenancy.tenant_accounts import create_tenant


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
    from sqlalchemy import select

    from storage.models import Tenant

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        rows = await session.execute(select(Tenant.slug, Tenant.name).order_by(Tenant.slug))
        return [(slug, name) for slug, name in rows.all()]

    for slug, name in in_session(settings, work):
        click.echo(f"{slug}\t{name}")
