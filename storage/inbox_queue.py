"""Durable inbound queue queries: insert with dedupe, claim with a lease in per-conversation order, finish.

Ordering rule: an event is claimable only when no earlier event of its conversation (same channel and
conversation key) is still pending or processing, and no other event of that conversation holds a live
lease. So one conversation's events run one at a time, oldest first, while conversations run side by side.
Finishing is guarded by the claim's lock token, so a worker whose lease was taken over cannot commit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import leases
from storage.models import Channel, InboundEvent
from storage.sql import insert_ignoring_each

ACTIVE = ("pending", "processing")
DEFAULT_MAX_ATTEMPTS = 5


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
    return await insert_ignoring_each(session, InboundEvent, rows)


async def claim_events(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    skip_conversations: Collection[tuple[int, str]] = (),
    exclude_ids: Collection[int] = (),
    only_channels: Collection[int] | None = None,
    except_platforms: Collection[str] = (),
) -> list[ClaimedEvent]:
    """Claim up to ``limit`` events, at most one per conversation, oldest first. Commit afterwards.

    ``skip_conversations`` and ``exclude_ids`` name what this process is already working on. An event
    that has had ``max_attempts`` attempts (its workers died each time) is parked as ``failed``.
    """
    e = InboundEvent
    other = aliased(InboundEvent)
    same_conversation = and_(other.channel_id == e.channel_id, other.conversation_key == e.conversation_key)
    earlier_unfinished = exists().where(same_conversation, other.id < e.id, other.status.in_(ACTIVE))
    other_leased = exists().where(
        same_conversation,
        other.id != e.id,
        other.status == "processing",
        other.locked_until >= leases.db_clock(session, now),
    )
    where = [~earlier_unfinished, ~other_leased]
    if only_channels is not None:
        where.append(e.channel_id.in_(list(only_channels)))
    if except_platforms:
        excluded = select(Channel.id).where(Channel.platform.in_(list(except_platforms)))
        where.append(e.channel_id.not_in(excluded))

    def one_per_conversation(rows: Sequence[InboundEvent]) -> list[InboundEvent]:
        seen: set[tuple[int, str]] = set(skip_conversations)
        chosen = []
        for row in rows:
            key = (row.channel_id, row.conversation_key)
            if key not in seen:
                seen.add(key)
                chosen.append(row)
        return chosen

    claimed = await leases.claim(
        session,
        leases.INBOX,
        now=now,
        lease_seconds=lease_seconds,
        max_attempts=max_attempts,
        limit=limit,
        where=where,
        exclude_ids=exclude_ids,
        choose=one_per_conversation,
        parked_error="gave up: the worker stopped during every attempt",
    )
    return [
        ClaimedEvent(
            id=row.id,
            tenant_id=row.tenant_id,
            channel_id=row.channel_id,
            conversation_key=row.conversation_key,
            kind=row.kind,
            payload=row.payload,
            attempts=row.attempts + 1,
            lock_token=claimed.lock_token,
        )
        for row in claimed.rows
    ]


async def _finish(session: AsyncSession, event: ClaimedEvent, **values: Any) -> bool:
    return await leases.finish(
        session,
        leases.INBOX,
        row_id=event.id,
        tenant_id=event.tenant_id,
        lock_token=event.lock_token,
        values=values,
    )


# Built once: every turn runs it.
_DONE = leases.held_update(
    leases.INBOX,
    {
        "status": "done",
        "processed_at": bindparam("now"),
        "locked_until": None,
        "error": None,
        "updated_at": bindparam("now"),
    },
)


async def complete_event(session: AsyncSession, event: ClaimedEvent, now: datetime) -> None:
    """Mark the event done inside the turn's transaction; raise LeaseLost if another claim owns it."""
    done = await leases.run_held(
        session,
        _DONE,
        row_id=event.id,
        tenant_id=event.tenant_id,
        lock_token=event.lock_token,
        params={"now": now},
    )
    if not done:
        raise LeaseLost(f"inbound event {event.id} is no longer held by this attempt")


async def extend_leases(
    session: AsyncSession, events: Collection[ClaimedEvent], *, lease_seconds: float, now: datetime
) -> set[int]:
    """Renew the leases of the events this process works on; returns the ids still held."""
    held = [(event.id, event.lock_token) for event in events]
    return await leases.renew(session, leases.INBOX, held, lease_seconds=lease_seconds, now=now)


async def release_events(
    session: AsyncSession, events: Collection[ClaimedEvent], *, now: datetime
) -> set[int]:
    """Give back events this process will not finish (it is stopping); returns the ids released."""
    held = [(event.id, event.lock_token) for event in events]
    return await leases.release(session, leases.INBOX, held, now=now)


async def release_for_retry(
    session: AsyncSession, event: ClaimedEvent, *, error: str, delay_seconds: float, now: datetime
) -> bool:
    return await _finish(
        session,
        event,
        status="pending",
        available_at=leases.db_time_after(session, now, delay_seconds),
        locked_until=None,
        lock_token=None,
        error=error,
        updated_at=now,
    )


async def fail_event(session: AsyncSession, event: ClaimedEvent, *, error: str, now: datetime) -> bool:
    return await _finish(
        session, event, status="failed", locked_until=None, lock_token=None, error=error, updated_at=now
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
    """Events in one status, oldest first; operator-level: without ``tenant_id``, every tenant's."""
    query = select(InboundEvent).where(InboundEvent.status == status)
    if tenant_id is not None:
        query = query.where(InboundEvent.tenant_id == tenant_id)
    rows = (await session.scalars(query.order_by(InboundEvent.id).limit(limit))).all()
    return [_summary(r) for r in rows]


async def retry_failed(
    session: AsyncSession, *, now: datetime, tenant_id: int | None = None, event_ids: Sequence[int] = ()
) -> int:
    """Put failed events back in the queue with a fresh attempt count; returns how many.

    Operator-level: without ``tenant_id`` it acts on every tenant's failed events.
    """
    query = update(InboundEvent).where(InboundEvent.status == "failed")
    if tenant_id is not None:
        query = query.where(InboundEvent.tenant_id == tenant_id)
    if event_ids:
        query = query.where(InboundEvent.id.in_(list(event_ids)))
    result = await session.execute(
        query.values(
            status="pending",
            attempts=0,
            available_at=leases.db_clock(session, now),
            error=None,
            updated_at=now,
        )
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(InboundEvent.status, func.count()).group_by(InboundEvent.status))
    return {status: count for status, count in rows.all()}


async def find_event(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_event_id: str
) -> InboundEvent | None:
    return await session.scalar(
        select(InboundEvent).where(
            InboundEvent.tenant_id == tenant_id,
            InboundEvent.channel_id == channel_id,
            InboundEvent.platform_event_id == platform_event_id,
        )
    )
