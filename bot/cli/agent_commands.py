"""`chatbot agent create|list|disable|auto-assign`: human agents, their tokens, and auto-assignment."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.helpers import in_session, secret_once, settings_or_exit
from bot.tenancy.agent_accounts import (
    DEFAULT_CAPACITY,
    MAX_CAPACITY,
    AgentSummary,
    create_agent,
    disable_agent,
    list_agents,
    set_auto_assign,
)
from bot.tenancy.tenant_accounts import Created, require_tenant
from storage.models import utcnow


@click.group("agent")
def agent() -> None:
    """Human agents."""


@agent.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
@click.option("--role", default="agent", show_default=True, type=click.Choice(["agent", "admin"]))
@click.option("--email", default=None)
@click.option(
    "--capacity",
    default=DEFAULT_CAPACITY,
    show_default=True,
    type=click.IntRange(0, MAX_CAPACITY),
    help="How many conversations the agent may own at once.",
)
@click.option(
    "--expires-in-days",
    default=None,
    type=click.IntRange(1, 3650),
    help="The token is refused after this many days (default: it does not expire).",
)
def agent_create(
    tenant_slug: str, name: str, role: str, email: str | None, capacity: int, expires_in_days: int | None
) -> None:
    """Create a human agent; prints its token once."""
    settings = settings_or_exit()
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None

    async def work(session: AsyncSession) -> Created:
        owner = await require_tenant(session, tenant_slug)
        return await create_agent(
            session,
            tenant=owner,
            name=name,
            role=role,
            email=email,
            capacity=capacity,
            expires_at=expires_at,
        )

    created = in_session(settings, work)
    click.echo(
        f"agent {name!r} created for tenant {tenant_slug!r} "
        f"(id {created.id}, role {role}, capacity {capacity})"
    )
    if expires_at is not None:
        click.echo(f"the token expires at {expires_at:%Y-%m-%d %H:%M} UTC")
    secret_once("agent token", created.secret)


@agent.command("list")
@click.option("--tenant", "tenant_slug", required=True)
def agent_list(tenant_slug: str) -> None:
    """List a tenant's agents: name, role, active, capacity, last seen."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[AgentSummary]:
        return await list_agents(session, tenant=await require_tenant(session, tenant_slug))

    agents = in_session(settings, work)
    if not agents:
        click.echo(f"tenant {tenant_slug!r} has no agents; add one with: chatbot agent create")
        return
    click.echo("name\trole\tactive\tcapacity\tlast seen")
    for a in agents:
        seen = a.last_seen_at.strftime("%Y-%m-%d %H:%M:%S UTC") if a.last_seen_at else "never"
        click.echo(f"{a.name}\t{a.role}\t{'yes' if a.active else 'no'}\t{a.capacity}\t{seen}")


@agent.command("disable")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--name", required=True)
def agent_disable(tenant_slug: str, name: str) -> None:
    """Disable an agent: its token stops working at once."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> bool:
        return await disable_agent(session, tenant=await require_tenant(session, tenant_slug), name=name)

    if in_session(settings, work):
        click.echo(f"agent {name!r} of tenant {tenant_slug!r} disabled; its token no longer works")
    else:
        click.echo(f"agent {name!r} of tenant {tenant_slug!r} was already disabled")


@agent.command("auto-assign")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--on/--off", "enabled", required=True, help="Assign waiting conversations automatically.")
def agent_auto_assign(tenant_slug: str, enabled: bool) -> None:
    """Turn auto-assignment on or off: waiting conversations go to available agents with room."""
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> None:
        await set_auto_assign(session, tenant=await require_tenant(session, tenant_slug), enabled=enabled)

    in_session(settings, work)
    state = "on" if enabled else "off"
    click.echo(f"tenant {tenant_slug!r}: auto-assignment {state}")
