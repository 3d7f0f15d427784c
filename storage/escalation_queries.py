"""Queries behind the escalation timeout: who has conversations waiting, which are overdue, flag one once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Tenant

WAITING = "escalated"


@dataclass(frozen=True)
class WaitingTenant:
    id: int
    slug: str
    settings: dict[str, Any]


async def tenants_with_unflagged_waits(session: AsyncSession) -> list[WaitingTenant]:
    """Active tenants with an escalated conversation not yet flagged (operator-level: the sweep's start)."""
    waiting = (
        select(Conversation.tenant_id)
        .where(Conversation.status == WAITING, Conversation.timeout_flagged_at.is_(None))
        .distinct()
    )
    rows = await session.execute(
        select(Tenant.id, Tenant.slug, Tenant.settings)
        .where(Tenant.active.is_(True), Tenant.id.in_(waiting))
        .order_by(Tenant.id)
    )
    return [WaitingTenant(int(i), slug, dict(settings or {})) for i, slug, settings in rows.all()]


async def overdue_conversations(
    session: AsyncSession, tenant_id: int, *, escalated_before: datetime, limit: int = 200
) -> list[Conversation]:
    """The tenant's unclaimed, unflagged conversations escalated before ``escalated_before``, oldest first."""
    rows = await session.scalars(
        select(Conversation)
        .where(
            Conversation.tenant_id == tenant_id,
            Conversation.status == WAITING,
            Conversation.timeout_flagged_at.is_(None),
            Conversation.escalated_at.is_not(None),
            Conversation.escalated_at <= escalated_before,
        )
        .order_by(Conversation.escalated_at, Conversation.id)
        .limit(limit)
    )
    return list(rows.all())


async def flag_timeout(session: AsyncSession, conversation: Conversation, *, now: datetime) -> bool:
    """Flag the conversation as waiting too long, if it still waits unflagged in the same escalation.

    Compare-and-set: of several processes sweeping at once exactly one gets True (and tells the customer);
    a conversation claimed, closed or escalated again since it was read is left alone. The notice the
    winner queues is counted here too.
    """
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.tenant_id == conversation.tenant_id,
            Conversation.id == conversation.id,
            Conversation.status == WAITING,
            Conversation.timeout_flagged_at.is_(None),
            Conversation.escalated_at == conversation.escalated_at,
        )
        .values(timeout_flagged_at=now, message_count=Conversation.message_count + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
