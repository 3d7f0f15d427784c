"""Human agents: create one with its bearer token (shown once, stored hashed), list, disable, authenticate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import hash_token, new_token, token_matches
from bot.tenancy.config_errors import Conflict, Invalid
from bot.tenancy.tenant_accounts import Created
from storage import agent_queries, tenants
from storage.models import Tenant

DEFAULT_CAPACITY = 5
MAX_CAPACITY = 1000
AUTO_ASSIGN_SETTING = "auto_assign"


@dataclass(frozen=True)
class AgentIdentity:
    """The agent a request is made by: who, in which tenant, with which role and capacity."""

    id: int
    tenant_id: int
    name: str
    role: str
    capacity: int
    tenant_name: str
    tenant_slug: str
    last_seen_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class AgentSummary:
    id: int
    name: str
    role: str
    active: bool
    capacity: int
    last_seen_at: datetime | None


async def create_agent(
    session: AsyncSession,
    *,
    tenant: Tenant,
    name: str,
    role: str,
    email: str | None,
    capacity: int = DEFAULT_CAPACITY,
    expires_at: datetime | None = None,
) -> Created:
    """A new agent and its token (shown once, stored hashed); ``expires_at``: refused after that time."""
    if role not in ("agent", "admin"):
        raise Invalid(f"role must be agent or admin, not {role!r}", field="role")
    if not 0 <= capacity <= MAX_CAPACITY:
        raise Invalid(f"capacity must be between 0 and {MAX_CAPACITY}, not {capacity}", field="capacity")
    if await tenants.get_agent_by_name(session, tenant.id, name) is not None:
        raise Conflict(f"tenant {tenant.slug!r} already has an agent named {name!r}", field="name")
    token = new_token("cba")
    agent = await tenants.create_agent(
        session, tenant_id=tenant.id, name=name, role=role, token_hash=hash_token(token), email=email
    )
    agent.capacity = capacity
    agent.token_expires_at = expires_at
    await session.flush()
    return Created(agent.id, token)


async def list_agents(session: AsyncSession, *, tenant: Tenant) -> list[AgentSummary]:
    """The tenant's agents by name, disabled ones included."""
    return [
        AgentSummary(a.id, a.name, a.role, a.active, a.capacity, a.last_seen_at)
        for a in await agent_queries.list_agents(session, tenant.id)
    ]


async def disable_agent(session: AsyncSession, *, tenant: Tenant, name: str) -> bool:
    """Disable the agent: its token stops working at once. False if it was disabled already.

    Conversations it owns stay assigned (an admin can transfer them, or enable it again by creating a new
    agent); nothing is deleted, so the audit keeps its name.
    """
    agent = await tenants.get_agent_by_name(session, tenant.id, name)
    if agent is None:
        raise AdminError(f"tenant {tenant.slug!r} has no agent named {name!r}")
    if not agent.active:
        return False
    agent.active = False
    await session.flush()
    return True


async def authenticate(session: AsyncSession, token: str, *, now: datetime) -> AgentIdentity | None:
    """The active agent holding this bearer token, or None (unknown, expired, or the agent is disabled)."""
    if not token:
        return None
    stored_hash = hash_token(token)
    found = await agent_queries.agent_by_token_hash(session, stored_hash)
    if found is None:
        return None
    agent, tenant = found
    if not (agent.active and tenant.active and token_matches(token, agent.token_hash)):
        return None
    if agent.token_expires_at is not None and agent.token_expires_at <= now:
        return None
    return AgentIdentity(
        id=agent.id,
        tenant_id=agent.tenant_id,
        name=agent.name,
        role=agent.role,
        capacity=agent.capacity,
        tenant_name=tenant.name,
        tenant_slug=tenant.slug,
        last_seen_at=agent.last_seen_at,
    )


async def set_auto_assign(session: AsyncSession, *, tenant: Tenant, enabled: bool) -> None:
    """Turn auto-assignment of waiting conversations to available agents on or off for the tenant."""
    tenant.settings = {**(tenant.settings or {}), AUTO_ASSIGN_SETTING: enabled}
    await session.flush()
