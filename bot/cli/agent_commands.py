"""`chatbot agent create`: human agents and their tokens."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, secret_once, settings_or_exit
from bot.tenancy.agent_accounts import create_agent
from bot.tenancy.tenant_accounts import Created, require_tenant


@click.group("agent")
def agent() -> None:
    """Human agents."""


@agent.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
@click.option("--role", default="agent", show_default=True, type=click.Choice(["agent", "admin"]))
@click.option("--email", default=None)
def agent_create(tenant_slug: str, name: str, role: str, email: str | None) -> None:
    """Create a human agent; prints its token once."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> Created:
        owner = await require_tenant(session, tenant_slug)
        return await create_agent(session, tenant=owner, name=name, role=role, email=email)

    created = in_session(settings, work)
    click.echo(f"agent {name!r} created for tenant {tenant_slug!r} (id {created.id}, role {role})")
    secret_once("agent token", created.secret)
