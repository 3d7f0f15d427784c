"""How full the durable queues are, across every tenant: for the operator's metrics, never for a tenant.

Like the claim queries, these span tenants on purpose: they are the operator's view of the whole
process group and return counts and one timestamp, no row of any tenant. Both use the queues'
``(status, due time)`` indexes: a count per status and the earliest due time of the pending rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import InboundEvent, OutboxItem

# Statuses counted: waiting, being worked on, parked for the operator. ("done"/"sent" rows are history.)
INBOX_STATUSES = ("pending", "processing", "failed")
OUTBOX_STATUSES = ("pending", "sending", "failed")


@dataclass(frozen=True)
class QueueStats:
    by_status: dict[str, int]
    # The earliest due time among pending rows (None when none is pending).
    oldest_due_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        """How long the longest-waiting due row has waited (0 when none waits, or none is due yet)."""
        if self.oldest_due_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_due_at).total_seconds())


async def inbox_stats(session: AsyncSession) -> QueueStats:
    return await _stats(session, InboundEvent, InboundEvent.available_at, INBOX_STATUSES)


async def outbox_stats(session: AsyncSession) -> QueueStats:
    return await _stats(session, OutboxItem, OutboxItem.next_attempt_at, OUTBOX_STATUSES)


async def _stats(
    session: AsyncSession,
    model: type[InboundEvent] | type[OutboxItem],
    due_at: InstrumentedAttribute[datetime],
    statuses: tuple[str, ...],
) -> QueueStats:
    rows = await session.execute(
        select(model.status, func.count()).where(model.status.in_(statuses)).group_by(model.status)
    )
    counts = {status: 0 for status in statuses}
    counts.update({status: int(count) for status, count in rows.all()})
    oldest = await session.scalar(select(func.min(due_at)).where(model.status == "pending"))
    return QueueStats(counts, oldest)
