"""Bot and channel queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Bot, Channel, Tenant


async def get_bot_by_name(session: AsyncSession, tenant_id: int, name: str) -> Bot | None:
    return await session.scalar(select(Bot).where(Bot.tenant_id == tenant_id, Bot.name == name))


async def first_bot(session: AsyncSession, tenant_id: int) -> Bot | None:
    return await session.scalar(select(Bot).where(Bot.tenant_id == tenant_id).order_by(Bot.id).limit(1))


async def get_channel_by_key(session: AsyncSession, webhook_key: str) -> Channel | None:
    """The one lookup not scoped by tenant: the unguessable webhook key is what identifies the tenant."""
    return await session.scalar(select(Channel).where(Channel.webhook_key == webhook_key))


async def find_channel(
    session: AsyncSession, *, tenant_id: int, platform: str, external_id: str
) -> Channel | None:
    return await session.scalar(
        select(Channel).where(
            Channel.tenant_id == tenant_id, Channel.platform == platform, Channel.external_id == external_id
        )
    )


async def channels_with_credentials(
    session: AsyncSession, *, for_update: bool = False
) -> list[tuple[Channel, str]]:
    """Every channel that stores credentials, with its tenant's slug, oldest first.

    Operator-level and deliberately not scoped by tenant: the secret key is one for the whole
    installation, so checking it at start and rotating it look at every tenant's channels. Never call
    this on behalf of a tenant. ``for_update`` locks the rows (PostgreSQL) while they are re-encrypted.
    """
    query = (
        select(Channel, Tenant.slug)
        .join(Tenant, Tenant.id == Channel.tenant_id)
        .where(Channel.credentials_encrypted.is_not(None), Channel.credentials_encrypted != "")
        .order_by(Channel.id)
    )
    if for_update:
        query = query.with_for_update(of=Channel)
    return [(channel, slug) for channel, slug in (await session.execute(query)).all()]


async def list_channels(session: AsyncSession, tenant_id: int) -> list[Channel]:
    return list((await session.scalars(select(Channel).where(Channel.tenant_id == tenant_id))).all())


async def create_channel(
    session: AsyncSession,
    *,
    tenant_id: int,
    bot_id: int,
    platform: str,
    name: str,
    external_id: str,
    webhook_key: str,
    credentials_encrypted: str | None,
    group_id: str | None = None,
    settings: dict[str, Any] | None = None,
) -> Channel:
    channel = Channel(
        tenant_id=tenant_id,
        bot_id=bot_id,
        platform=platform,
        name=name,
        external_id=external_id,
        group_id=group_id,
        webhook_key=webhook_key,
        credentials_encrypted=credentials_encrypted,
        settings=settings or {},
    )
    session.add(channel)
    await session.flush()
    return channel


async def list_bots(session: AsyncSession, tenant_id: int) -> list[Bot]:
    return list((await session.scalars(select(Bot).where(Bot.tenant_id == tenant_id))).all())
