"""Open credit holds: one row per LLM turn attempt that reserved credits and has not settled them.

Whoever deletes a hold's row settles it (commit or release, storage/credits.py), so each hold is settled
once: the turn's own persist step, the event's next attempt, or the sweep of abandoned holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CreditHold, InboundEvent
from storage.sql import table

_holds = table(CreditHold)


@dataclass(frozen=True)
class TakenHold:
    """A hold removed from ``credit_holds`` by this transaction, which must now settle it."""

    id: int
    tenant_id: int
    inbound_event_id: int | None
    lock_token: str
    credits: int
    reserve_id: int | None


async def add_hold(
    session: AsyncSession,
    *,
    tenant_id: int,
    inbound_event_id: int,
    lock_token: str,
    credits: int,
    reserve_id: int,
    now: datetime,
) -> None:
    await session.execute(
        insert(_holds).values(
            tenant_id=tenant_id,
            inbound_event_id=inbound_event_id,
            lock_token=lock_token,
            credits=credits,
            reserve_id=reserve_id,
            created_at=now,
            updated_at=now,
        )
    )


_TAKEN = (
    _holds.c.id,
    _holds.c.tenant_id,
    _holds.c.inbound_event_id,
    _holds.c.lock_token,
    _holds.c.credits,
    _holds.c.reserve_id,
)


def _taken(rows: Sequence[Any]) -> list[TakenHold]:
    return [
        TakenHold(r.id, r.tenant_id, r.inbound_event_id, r.lock_token, r.credits, r.reserve_id) for r in rows
    ]


async def take_hold(
    session: AsyncSession, tenant_id: int, inbound_event_id: int, lock_token: str
) -> TakenHold | None:
    """Remove this attempt's hold (to settle it); None if it was settled already (by the sweep)."""
    result = await session.execute(
        delete(_holds)
        .where(
            _holds.c.tenant_id == tenant_id,
            _holds.c.inbound_event_id == inbound_event_id,
            _holds.c.lock_token == lock_token,
        )
        .returning(*_TAKEN)
    )
    taken = _taken(result.all())
    return taken[0] if taken else None


async def take_event_holds(session: AsyncSession, tenant_id: int, inbound_event_id: int) -> list[TakenHold]:
    """Remove every hold of an event (earlier attempts': the caller holds the event's lease now)."""
    result = await session.execute(
        delete(_holds)
        .where(_holds.c.tenant_id == tenant_id, _holds.c.inbound_event_id == inbound_event_id)
        .returning(*_TAKEN)
    )
    return _taken(result.all())


async def take_hold_by_id(session: AsyncSession, tenant_id: int, hold_id: int) -> TakenHold | None:
    result = await session.execute(
        delete(_holds).where(_holds.c.tenant_id == tenant_id, _holds.c.id == hold_id).returning(*_TAKEN)
    )
    taken = _taken(result.all())
    return taken[0] if taken else None


async def abandoned_holds(session: AsyncSession, *, limit: int) -> list[TakenHold]:
    """Holds whose attempt is over without settling them (spans tenants, like a queue's claim).

    Over means the event is no longer worked on under the hold's claim: it was claimed again (another
    token), put back to wait for a retry, finished, parked as failed, or deleted. A hold whose lease merely
    ran out stays until the event is claimed again: its worker may still be finishing.
    """
    e = InboundEvent
    h = CreditHold
    rows = await session.execute(
        select(h.id, h.tenant_id, h.inbound_event_id, h.lock_token, h.credits, h.reserve_id)
        .outerjoin(e, e.id == h.inbound_event_id)
        .where(
            or_(
                e.id.is_(None),
                e.status != "processing",
                e.lock_token.is_(None),
                e.lock_token != h.lock_token,
            )
        )
        .order_by(h.id)
        .limit(limit)
    )
    return _taken(rows.all())
