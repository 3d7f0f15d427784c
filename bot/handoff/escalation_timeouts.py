"""The escalation timeout: a conversation unclaimed too long is flagged, its customer told, its tenant told.

The timeout is the tenant's ``escalation_timeout_minutes`` (15 by default, 0 off). Each overdue
conversation is flagged with a compare-and-set, so when several processes sweep at once exactly one
flags it; in that same transaction the winner queues the customer's notice in the outbox (once, with
the outbox's window rules and retries), a ``conversation.escalation_timeout`` notification when the
tenant has a webhook URL, and live events so the agents' consoles show the flag at once. A conversation
escalated again later is flagged again only for that new wait (the flag is cleared on escalation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.notification_settings import (
    escalation_timeout_minutes,
    escalation_timeout_text,
    notification_url,
)
from storage import agent_queries, escalation_queries, live_events, outbox_queue, webhook_deliveries
from storage.escalation_queries import WaitingTenant
from storage.models import Conversation

EVENT = "conversation.escalation_timeout"


@dataclass(frozen=True)
class Flagged:
    """One conversation this sweep flagged, and whether the tenant's webhook was queued for it."""

    tenant_id: int
    conversation_id: int
    waited_minutes: int
    notified: bool


async def flag_overdue(session: AsyncSession, now: datetime) -> list[Flagged]:
    """Flag every tenant's overdue conversations (in the caller's transaction); returns those flagged here."""
    flagged: list[Flagged] = []
    for tenant in await escalation_queries.tenants_with_unflagged_waits(session):
        minutes = escalation_timeout_minutes(tenant.settings)
        if minutes == 0:
            continue
        overdue = await escalation_queries.overdue_conversations(
            session, tenant.id, escalated_before=now - timedelta(minutes=minutes)
        )
        for conversation in overdue:
            if await escalation_queries.flag_timeout(session, conversation, now=now):
                flagged.append(await _tell(session, tenant, conversation, now))
    return flagged


async def _tell(
    session: AsyncSession, tenant: WaitingTenant, conversation: Conversation, now: datetime
) -> Flagged:
    assert conversation.escalated_at is not None  # the overdue query takes only escalated ones
    waited = int((now - conversation.escalated_at).total_seconds() // 60)
    text = escalation_timeout_text(tenant.settings)
    notice = await outbox_queue.queue_outbound(
        session, conversation, role="assistant", text=text, route="handoff", now=now
    )
    notified = notification_url(tenant.settings) is not None
    if notified:
        await webhook_deliveries.enqueue(
            session,
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
            event=EVENT,
            data=await _describe(session, tenant.id, conversation, waited),
            now=now,
            conversation_id=conversation.id,
        )
    for kind, payload in (
        ("queue", {"flagged": True, "waited_minutes": waited}),
        ("message", {"message_id": notice.id, "role": "assistant", "text": text}),
    ):
        await live_events.publish(
            session, tenant_id=tenant.id, kind=kind, conversation_id=conversation.id, payload=payload, now=now
        )
    return Flagged(tenant.id, conversation.id, waited, notified)


async def _describe(
    session: AsyncSession, tenant_id: int, conversation: Conversation, waited: int
) -> dict[str, Any]:
    """What the tenant's receiver is told of the conversation (no message text)."""
    rows = await agent_queries.describe_conversations(session, tenant_id, [conversation])
    row = rows[0] if rows else None
    name = None
    if row is not None:
        name = row.customer.name if row.customer is not None else row.group_name
    assert conversation.escalated_at is not None
    return {
        "conversation_id": conversation.id,
        "channel": {"id": conversation.channel_id, "platform": row.platform if row else None},
        "customer_name": name,
        "escalated_at": conversation.escalated_at.isoformat(),
        "waited_minutes": waited,
        "handoff_reason": row.handoff.reason if row and row.handoff else None,
        "handoff_trigger": row.handoff.trigger if row and row.handoff else None,
    }
