"""Bot and channel queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Bot, Channel


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
