"""Tenant API key rows: add one, find the live key by its hash, list a tenant's keys, revoke them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiKey, Tenant

# How many characters of a key are kept in clear to tell keys apart ("cbk_" and 8 of its random part).
PREFIX_CHARS = 12


def add_key(session: AsyncSession, *, tenant_id: int, name: str, key_hash: str, prefix: str) -> ApiKey:
    key = ApiKey(tenant_id=tenant_id, name=name, key_hash=key_hash, prefix=prefix[:PREFIX_CHARS])
    session.add(key)
    return key


async def live_key(session: AsyncSession, key_hash: str) -> tuple[ApiKey, Tenant] | None:
    """The unrevoked key with this hash and its tenant (the one lookup not scoped by tenant: the hash
    of an unguessable key is what identifies the tenant)."""
    row = (
        await session.execute(
            select(ApiKey, Tenant)
            .join(Tenant, Tenant.id == ApiKey.tenant_id)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def revoke_all(session: AsyncSession, tenant_id: int, *, now: datetime) -> int:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def mark_used(
    session: AsyncSession, tenant_id: int, key_id: int, *, now: datetime, unless_since: datetime
) -> None:
    """Record a use of the key, unless one since ``unless_since`` is recorded (a concurrent request's)."""
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.tenant_id == tenant_id,
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < unless_since),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
