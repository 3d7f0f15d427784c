"""Human handoff: the audit of every conversation status and owner change, the agents' live event log,
internal notes, notification webhooks on their way out, and the record of forgotten customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of, utcnow

ACTORS = ("bot", "rule", "agent", "system")
LIVE_EVENT_KINDS = ("message", "queue", "claim", "status", "note", "failure")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed")


class ConversationEvent(Base, TenantOwned):
    """One status or owner change of a conversation: from, to, who (bot, a rule, an agent, the system)."""

    __tablename__ = "conversation_events"
    __table_args__ = (
        one_of("actor", ACTORS),
        Index("ix_conversation_events_conversation", "conversation_id", "id"),
    )

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    from_agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    to_agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(10))
    # The agent who acted, when the actor is an agent.
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class LiveEvent(Base, TenantOwned):
    """What agents' consoles are told, in order: its id is the SSE event id, so a reconnect resumes."""

    __tablename__ = "live_events"
    __table_args__ = (
        one_of("kind", LIVE_EVENT_KINDS),
        Index("ix_live_events_tenant_id_id", "tenant_id", "id"),
    )

    kind: Mapped[str] = mapped_column(String(10))
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AgentNote(Base, TenantOwned):
    """An agent's internal note on a conversation: never sent to the customer."""

    __tablename__ = "agent_notes"

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)


class WebhookDelivery(Base, TenantOwned):
    """A signed notification to the tenant's webhook URL, delivered (and retried) like the outbox."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        one_of("status", DELIVERY_STATUSES),
        Index("ix_webhook_deliveries_status_next_attempt", "status", "next_attempt_at"),
    )

    event: Mapped[str] = mapped_column(String(50))
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    lock_token: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class Erasure(Base, TenantOwned):
    """A customer forgotten on request: who asked and when (the customer row keeps only its id)."""

    __tablename__ = "erasures"

    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(200))
