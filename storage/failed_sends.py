"""Failed sends, for the operator: list them, and queue them again (`chatbot outbox failed|retry`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import leases
from storage.models import Message, OutboxItem


@dataclass(frozen=True)
class FailedSend:
    id: int
    tenant_id: int
    message_id: int
    conversation_id: int
    channel_id: int
    attempts: int
    error: str | None
    updated_at: datetime


async def list_failed(
    session: AsyncSession, *, tenant_id: int | None = None, limit: int = 100
) -> list[FailedSend]:
    """Sends that failed, oldest first; operator-level: without ``tenant_id``, every tenant's."""
    query = select(OutboxItem).where(OutboxItem.status == "failed")
    if tenant_id is not None:
        query = query.where(OutboxItem.tenant_id == tenant_id)
    rows = (await session.scalars(query.order_by(OutboxItem.id).limit(limit))).all()
    return [
        FailedSend(
            id=r.id,
            tenant_id=r.tenant_id,
            message_id=r.message_id,
            conversation_id=r.conversation_id,
            channel_id=r.channel_id,
            attempts=r.attempts,
            error=r.last_error,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


async def retry_failed(
    session: AsyncSession, *, now: datetime, tenant_id: int | None = None, ids: Sequence[int] = ()
) -> int:
    """Queue failed sends again with a fresh attempt count (their messages back to ``pending``).

    Parts the platform already accepted are not sent again. Operator-level: without ``tenant_id`` it
    acts on every tenant's failed sends. Returns how many.
    """
    query = select(OutboxItem.id, OutboxItem.tenant_id, OutboxItem.message_id).where(
        OutboxItem.status == "failed"
    )
    if tenant_id is not None:
        query = query.where(OutboxItem.tenant_id == tenant_id)
    if ids:
        query = query.where(OutboxItem.id.in_(list(ids)))
    rows = (await session.execute(query)).all()
    for row_id, owner, message_id in rows:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.tenant_id == owner, OutboxItem.id == row_id)
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=leases.db_clock(session, now),
                last_error=None,
                updated_at=now,
            )
        )
        await session.execute(
            update(Message)
            .where(Message.tenant_id == owner, Message.id == message_id)
            .values(status="pending", error=None, failure_reason=None, updated_at=now)
        )
    return len(rows)
