"""The agents' live event log: written in the same transaction as the change it tells of, read in order.

An event's id is its SSE id: a console that reconnects with ``Last-Event-ID`` reads what it missed from
here, across restarts and processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LiveEvent


async def publish(
    session: AsyncSession,
    *,
    tenant_id: int,
    kind: str,
    conversation_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        LiveEvent(
            tenant_id=tenant_id,
            kind=kind,
            conversation_id=conversation_id,
            payload=payload,
            created_at=now,
            updated_at=now,
        )
    )


async def events_after(
    session: AsyncSession, *, tenant_id: int, after_id: int, limit: int = 500
) -> list[LiveEvent]:
    """The tenant's events with an id above ``after_id``, oldest first."""
    rows = await session.scalars(
        select(LiveEvent)
        .where(LiveEvent.tenant_id == tenant_id, LiveEvent.id > after_id)
        .order_by(LiveEvent.id)
        .limit(limit)
    )
    return list(rows.all())


async def latest_id(session: AsyncSession, *, tenant_id: int) -> int:
    """The id of the tenant's newest event (0 when there is none): where a new console starts."""
    found = await session.scalar(
        select(LiveEvent.id).where(LiveEvent.tenant_id == tenant_id).order_by(LiveEvent.id.desc()).limit(1)
    )
    return int(found or 0)
