"""Human agents: create one with its bearer token (shown once, stored hashed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import hash_token, new_token
from bot.tenancy.tenant_accounts import Created
from storage import tenants
from storage.models import Tenant


async def create_agent(
    session: AsyncSession, *, tenant: Tenant, name: str, role: str, email: str | None
) -> Created:
    if role not in ("agent", "admin"):
        raise AdminError(f"role must be agent or admin, not {role!r}")
    if await tenants.get_agent_by_name(session, tenant.id, name) is not None:
        raise AdminError(f"tenant {tenant.slug!r} already has an agent named {name!r}")
    token = new_token("cba")
    agent = await tenants.create_agent(
        session, tenant_id=tenant.id, name=name, role=role, token_hash=hash_token(token), email=email
    )
    return Created(agent.id, token)
