"""Durable inbound queue queries: insert with dedupe, claim with a lease in per-conversation order, finish.

Ordering rule: an event is claimable only when no earlier event of its conversation (same channel and
conversation key) is still pending or processing, and no other event of that conversation holds a live
lease. So one conversation's events run one at a time, oldest first, while conversations run side by side.
Finishing is guarded by the claim's lock token, so a worker whose lease was taken over cannot commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Channel, InboundEvent
from storage.sql import insert_ignoring_conflicts, is_postgresql

ACTIVE = ("pending", "processing")


class LeaseLost(Exception):
    """The event's lease was taken over by another claim; this attempt must not commit."""


@dataclass(frozen=True)
class NewEvent:
    tenant_id: int
    channel_id: int
    platform_event_id: str
    conversation_key: str
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    tenant_id: int
    channel_id: int
    conversation_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    lock_token: str


@dataclass(frozen=True)
class EventSummary:
    id: int
    tenant_id: int
    channel_id: int
    platform_event_id: str
    conversation_key: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime


async def insert_events(session: AsyncSession, events: Sequence[NewEvent], now: datetime) -> int:
    """Insert events, silently dropping any already stored (same channel and platform event id).

    Returns how many were new.
    """
    if not events:
        return 0
    rows = [
        {
            "tenant_id": e.tenant_id,
            "channel_id": e.channel_id,
            "platform_event_id": e.platform_event_id,
            "conversation_key": e.conversation_key,
            "kind": e.kind,
            "payload": e.payload,
            "status": "pending",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for e in events
    ]
    result = await session.execute(insert_ignoring_conflicts(session, InboundEvent, rows))
    assert isinstance(result, CursorResult)
    return max(result.rowcount, 0)


async def claim_events(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    skip_conversations: Collection[tuple[int, str]] = (),
    only_channels: Collection[int] | None = None,
    except_platforms: Collection[str] = (),
) -> list[ClaimedEvent]:
    """Claim up to ``limit`` events, at most one per conversation, oldest first. Commit afterwards."""
    e = InboundEvent
    other = aliased(InboundEvent)
    same_conversation = and_(other.channel_id == e.channel_id, other.conversation_key == e.conversation_key)
    earlier_unfinished = exists().where(same_conversation, other.id < e.id, other.status.in_(ACTIVE))
    other_leased = exists().where(
        same_conversation, other.id != e.id, other.status == "processing", other.locked_until >= now
    )
    claimable = or_(
        and_(e.status == "pending", e.available_at <= now),
        and_(e.status == "processing", e.locked_until < now),
    )
    query = select(e).where(claimable, ~earlier_unfinished, ~other_leased)
    if only_channels is not None:
        query = query.where(e.channel_id.in_(list(only_channels)))
    if except_platforms:
        excluded = select(Channel.id).where(Channel.platform.in_(list(except_platforms)))
        query = query.where(e.channel_id.not_in(excluded))
    # Fetch a little more than needed: some may belong to conversations already running here.
    query = query.order_by(e.id).limit(limit + len(skip_conversations))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=e)
    rows = (await session.scalars(query)).all()

    claimed: list[ClaimedEvent] = []
    seen: set[tuple[int, str]] = set(skip_conversations)
    until = now + timedelta(seconds=lease_seconds)
    for row in rows:
        key = (row.channel_id, row.conversation_key)
        if key in seen:
            continue
        seen.add(key)
        token = uuid.uuid4().hex
        # Read before the UPDATE: the session synchronises the loaded row with what it writes.
        attempts = row.attempts + 1
        await session.execute(
            update(e)
            .where(e.id == row.id)
            .values(
                status="processing",
                locked_until=until,
                lock_token=token,
                attempts=e.attempts + 1,
                updated_at=now,
            )
        )
        claimed.append(
            ClaimedEvent(
                id=row.id,
                tenant_id=row.tenant_id,
                channel_id=row.channel_id,
                conversation_key=row.conversation_key,
                kind=row.kind,
                payload=row.payload,
                attempts=attempts,
                lock_token=token,
            )
        )
        if len(claimed) >= limit:
            break
    return claimed


async def _guarded_update(session: AsyncSession, event_id: int, token: str, **values: Any) -> bool:
    e = InboundEvent
    result = await session.execute(
        update(e).where(e.id == event_id, e.lock_token == token, e.status == "processing").values(**values)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def complete_event(session: AsyncSession, event_id: int, lock_token: str, now: datetime) -> None:
    """Mark the event done inside the turn's transaction; raise LeaseLost if another claim owns it."""
    done = await _guarded_update(
        session,
        event_id,
        lock_token,
        status="done",
        processed_at=now,
        locked_until=None,
        error=None,
        updated_at=now,
    )
    if not done:
        raise LeaseLost(f"inbound event {event_id} is no longer held by this attempt")


async def extend_lease(session: AsyncSession, event_id: int, lock_token: str, until: datetime) -> bool:
    return await _guarded_update(session, event_id, lock_token, locked_until=until)


async def release_for_retry(
    session: AsyncSession,
    event_id: int,
    lock_token: str,
    *,
    error: str,
    available_at: datetime,
    now: datetime,
) -> bool:
    return await _guarded_update(
        session,
        event_id,
        lock_token,
        status="pending",
        available_at=available_at,
        locked_until=None,
        lock_token=None,
        error=error,
        updated_at=now,
    )


async def fail_event(
    session: AsyncSession, event_id: int, lock_token: str, *, error: str, now: datetime
) -> bool:
    return await _guarded_update(
        session,
        event_id,
        lock_token,
        status="failed",
        locked_until=None,
        lock_token=None,
        error=error,
        updated_at=now,
    )


def _summary(row: InboundEvent) -> EventSummary:
    return EventSummary(
        id=row.id,
        tenant_id=row.tenant_id,
        channel_id=row.channel_id,
        platform_event_id=row.platform_event_id,
        conversation_key=row.conversation_key,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
        created_at=row.created_at,
    )


async def list_events(
    session: AsyncSession, *, status: str, tenant_id: int | None = None, limit: int = 100
) -> list[EventSummary]:
    query = select(InboundEvent).where(InboundEvent.status == status)
    if tenant_id is not None:
        query = query.where(InboundEvent.tenant_id == tenant_id)
    rows = (await session.scalars(query.order_by(InboundEvent.id).limit(limit))).all()
    return [_summary(r) for r in rows]


async def retry_failed(
    session: AsyncSession, *, now: datetime, tenant_id: int | None = None, event_ids: Sequence[int] = ()
) -> int:
    """Put failed events back in the queue with a fresh attempt count; returns how many."""
    query = update(InboundEvent).where(InboundEvent.status == "failed")
    if tenant_id is not None:
        query = query.where(InboundEvent.tenant_id == tenant_id)
    if event_ids:
        query = query.where(InboundEvent.id.in_(list(event_ids)))
    result = await session.execute(
        query.values(status="pending", attempts=0, available_at=now, error=None, updated_at=now)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(InboundEvent.status, func.count()).group_by(InboundEvent.status))
    return {status: count for status, count in rows.all()}


async def find_event(session: AsyncSession, channel_id: int, platform_event_id: str) -> InboundEvent | None:
    return await session.scalar(
        select(InboundEvent).where(
            InboundEvent.channel_id == channel_id, InboundEvent.platform_event_id == platform_event_id
        )
    )
