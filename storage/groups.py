"""GroupMe groups and their members: found or created on first sight, counted on every message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, GroupMember
from storage.sql import insert_or_get

# Engagement halves after a week without messages and grows by one per message.
ENGAGEMENT_HALF_LIFE_DAYS = 7.0


async def find_group(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_group_id: str
) -> Group | None:
    return await session.scalar(
        select(Group).where(
            Group.tenant_id == tenant_id,
            Group.channel_id == channel_id,
            Group.platform_group_id == platform_group_id,
        )
    )


async def find_member(
    session: AsyncSession, *, tenant_id: int, group_id: int, platform_user_id: str
) -> GroupMember | None:
    return await session.scalar(
        select(GroupMember).where(
            GroupMember.tenant_id == tenant_id,
            GroupMember.group_id == group_id,
            GroupMember.platform_user_id == platform_user_id,
        )
    )


async def get_or_create_group(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_group_id: str, now: datetime
) -> Group:
    row = {
        "tenant_id": tenant_id,
        "channel_id": channel_id,
        "platform_group_id": platform_group_id,
        "message_count": 0,
        "created_at": now,
        "updated_at": now,
    }
    return await insert_or_get(
        session,
        Group,
        row,
        ("tenant_id", "channel_id", "platform_group_id"),
    )


async def get_or_create_member(
    session: AsyncSession,
    *,
    tenant_id: int,
    group_id: int,
    customer_id: int,
    platform_user_id: str,
    username: str | None,
    now: datetime,
) -> GroupMember:
    row = {
        "tenant_id": tenant_id,
        "group_id": group_id,
        "customer_id": customer_id,
        "platform_user_id": platform_user_id,
        "username": username,
        "paid_subscriber": False,
        "message_count": 0,
        "engagement_score": 0.0,
        "created_at": now,
        "updated_at": now,
    }
    member = await insert_or_get(
        session,
        GroupMember,
        row,
        ("tenant_id", "group_id", "platform_user_id"),
    )
    if username and member.username != username:
        member.username = username
    return member


def engagement_after_message(score: float, last_message_at: datetime | None, now: datetime) -> float:
    """Decay the score by the quiet time since the member's last message, then add this one."""
    if last_message_at is None:
        return score + 1.0
    idle_days = max((now - last_message_at).total_seconds() / 86400.0, 0.0)
    decayed: float = score * 0.5 ** (idle_days / ENGAGEMENT_HALF_LIFE_DAYS)
    return decayed + 1.0
