"""Tenants: create one with its subscription and API key (shown once), find one by slug."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.security import hash_token, new_token
from storage import tenants
from storage.models import Tenant, utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Created:
    """A created object plus the secret to show once."""

    id: int
    secret: str


async def require_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await tenants.get_tenant_by_slug(session, slug)
    if tenant is None:
        raise AdminError(f"no tenant with slug {slug!r} (list them with: chatbot tenant list)")
    return tenant


async def create_tenant(session: AsyncSession, *, name: str, slug: str, plan_code: str = "free") -> Created:
    if not SLUG_PATTERN.match(slug):
        raise AdminError(f"slug {slug!r} must be 2-63 lowercase letters, digits or dashes")
    if not name.strip():
        raise AdminError("the tenant name must not be empty")
    if await tenants.get_tenant_by_slug(session, slug) is not None:
        raise AdminError(f"a tenant with slug {slug!r} already exists")
    plan = await tenants.get_plan(session, plan_code)
    if plan is None:
        raise AdminError(f"unknown plan {plan_code!r} (free, basic, pro or enterprise)")
    api_key = new_token("cbk")
    tenant = await tenants.create_tenant(
        session, name=name.strip(), slug=slug, api_key_hash=hash_token(api_key), plan=plan, now=utcnow()
    )
    return Created(tenant.id, api_key)
