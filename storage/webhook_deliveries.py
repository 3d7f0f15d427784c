"""The tenants' notification webhooks on their way out: queue one, claim due ones, record how each ended.

A delivery is queued in the transaction of the change it tells of, with its whole JSON body (its own id
included, so the receiver can drop a repeat), and sent later by the notifier under the shared lease
protocol (``storage.leases``): attempts counted at claim, a stalled sender's row taken over when its
lease runs out, a row over the attempt limit parked as ``failed``. Only the claim spans tenants; what
follows it is scoped by the claimed row's tenant.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import leases
from storage.models import Tenant, WebhookDelivery

DEFAULT_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    tenant_id: int
    event: str
    body: dict[str, Any]
    # This attempt's number (1 for the first).
    attempts: int
    lock_token: str


async def enqueue(
    session: AsyncSession,
    *,
    tenant_id: int,
    tenant_slug: str,
    event: str,
    data: Mapping[str, Any],
    now: datetime,
    conversation_id: int | None = None,
) -> dict[str, Any]:
    """Queue ``event`` for the tenant's webhook (inside the caller's transaction), due at once; its body.

    The body is ``{"id", "event", "occurred_at", "tenant", "data"}``; ``id`` is the delivery's id, the
    same on every retry. It is due by the lease clock (the database's on PostgreSQL), which the claim
    compares with.
    """
    delivery_id = await session.scalar(
        insert(WebhookDelivery)
        .values(
            tenant_id=tenant_id,
            event=event,
            conversation_id=conversation_id,
            body={},
            status="pending",
            attempts=0,
            next_attempt_at=leases.db_clock(session, now),
            created_at=now,
            updated_at=now,
        )
        .returning(WebhookDelivery.id)
    )
    assert delivery_id is not None
    body = {
        "id": delivery_id,
        "event": event,
        "occurred_at": now.isoformat(),
        "tenant": tenant_slug,
        "data": dict(data),
    }
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.id == delivery_id)
        .values(body=body)
    )
    return body


async def claim_deliveries(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    exclude_ids: Collection[int] = (),
) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` due deliveries, oldest first (commit afterwards).

    A delivery that has had ``max_attempts`` attempts (its sender died each time) is parked as failed.
    """
    claimed = await leases.claim(
        session,
        leases.NOTIFICATIONS,
        now=now,
        lease_seconds=lease_seconds,
        max_attempts=max_attempts,
        limit=limit,
        exclude_ids=exclude_ids,
        parked_error="gave up: the notifier stopped during every attempt",
    )
    return [
        ClaimedDelivery(
            id=row.id,
            tenant_id=row.tenant_id,
            event=row.event,
            body=dict(row.body or {}),
            attempts=row.attempts + 1,
            lock_token=claimed.lock_token,
        )
        for row in claimed.rows
    ]


async def tenant_settings(session: AsyncSession, claim: ClaimedDelivery) -> dict[str, Any]:
    """The settings of the delivery's tenant, read when it is sent (a changed URL or secret applies)."""
    found = await session.scalar(select(Tenant.settings).where(Tenant.id == claim.tenant_id))
    return dict(found or {})


async def renew_leases(
    session: AsyncSession, claims: Collection[ClaimedDelivery], *, lease_seconds: float, now: datetime
) -> set[int]:
    """Renew the leases of the deliveries this process works on; returns the ids still held."""
    held = [(claim.id, claim.lock_token) for claim in claims]
    return await leases.renew(session, leases.NOTIFICATIONS, held, lease_seconds=lease_seconds, now=now)


async def release_deliveries(
    session: AsyncSession, claims: Collection[ClaimedDelivery], *, now: datetime
) -> set[int]:
    """Give back deliveries this process will not finish (it is stopping); returns the ids released."""
    held = [(claim.id, claim.lock_token) for claim in claims]
    return await leases.release(session, leases.NOTIFICATIONS, held, now=now)


async def _finish(session: AsyncSession, claim: ClaimedDelivery, **values: object) -> bool:
    return await leases.finish(
        session,
        leases.NOTIFICATIONS,
        row_id=claim.id,
        tenant_id=claim.tenant_id,
        lock_token=claim.lock_token,
        values=values,
    )


async def mark_sent(session: AsyncSession, claim: ClaimedDelivery, *, now: datetime) -> bool:
    """The receiver accepted it; False if this attempt had lost its lease (nothing changes then)."""
    return await _finish(
        session, claim, status="sent", sent_at=now, locked_until=None, last_error=None, updated_at=now
    )


async def reschedule(
    session: AsyncSession, claim: ClaimedDelivery, *, error: str, delay_seconds: float, now: datetime
) -> bool:
    """Try again after ``delay_seconds`` (by the lease clock)."""
    return await leases.retry_later(
        session,
        leases.NOTIFICATIONS,
        row_id=claim.id,
        tenant_id=claim.tenant_id,
        lock_token=claim.lock_token,
        error=error,
        delay_seconds=delay_seconds,
        now=now,
    )


async def mark_failed(session: AsyncSession, claim: ClaimedDelivery, *, error: str, now: datetime) -> bool:
    """Give up on it: the receiver refused it, or every attempt failed."""
    return await _finish(session, claim, status="failed", locked_until=None, last_error=error, updated_at=now)


async def deliveries_of(
    session: AsyncSession, tenant_id: int, *, event: str | None = None
) -> list[WebhookDelivery]:
    """The tenant's deliveries, oldest first (optionally of one event)."""
    query = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id)
    if event is not None:
        query = query.where(WebhookDelivery.event == event)
    return list((await session.scalars(query.order_by(WebhookDelivery.id))).all())
