"""The durable inbound queue (one row per platform event) and the outbound queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of, utcnow

EVENT_KINDS = ("message", "status", "other")
EVENT_STATUSES = ("pending", "processing", "done", "failed")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class InboundEvent(Base, TenantOwned):
    __tablename__ = "inbound_events"
    __table_args__ = (
        # A platform that retries a webhook sends the same event id: the retry is dropped here.
        UniqueConstraint("channel_id", "platform_event_id"),
        one_of("kind", EVENT_KINDS),
        one_of("status", EVENT_STATUSES),
        Index("ix_inbound_events_status_available", "status", "available_at"),
        Index("ix_inbound_events_conversation_status", "channel_id", "conversation_key", "status"),
    )

    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    platform_event_id: Mapped[str] = mapped_column(String(255))
    conversation_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    lock_token: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]


class OutboxItem(Base, TenantOwned):
    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OUTBOX_STATUSES),
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_conversation_status", "conversation_id", "status"),
    )

    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Long text goes out in parts; a resend continues after the last part the platform accepted.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    lock_token: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
