"""Conversations, their messages and tool calls, handoffs to humans and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.conversion_tables import Touches
from storage.models.declarative import Base, BigId, TenantOwned, one_of

CONVERSATION_STATUSES = ("new", "bot_active", "escalated", "transferred", "resolved", "closed")
MESSAGE_ROLES = ("user", "assistant", "agent", "system")
MESSAGE_DIRECTIONS = ("in", "out")
MESSAGE_STATUSES = ("received", "pending", "sent", "delivered", "read", "failed")
MESSAGE_SOURCES = ("direct", "ad", "post", "referral")
ROUTES = (
    "silent",
    "command",
    "template",
    "knowledge",
    "llm",
    "fallback",
    "handoff",
    "agent",
    "feedback",
    "clarify",
)
SENTIMENTS = ("positive", "neutral", "negative")
FAILURE_REASONS = ("window_closed", "rejected", "credentials", "gave_up", "no_adapter")
HANDOFF_TRIGGERS = (
    "customer_request",
    "intent",
    "sentiment",
    "fallback",
    "llm_tool",
    "llm_failure",
    "agent",
    "operator",
)


class Conversation(Base, TenantOwned, Touches):
    __tablename__ = "conversations"
    __table_args__ = (
        one_of("status", CONVERSATION_STATUSES),
        CheckConstraint("customer_id IS NOT NULL OR group_id IS NOT NULL", name="has_party"),
        Index("ix_conversations_tenant_status_activity", "tenant_id", "status", "last_activity_at"),
        # Reports: the conversations that started in a period, and the groups' conversations.
        Index("ix_conversations_tenant_created", "tenant_id", "created_at"),
        Index(
            "ix_conversations_tenant_group",
            "tenant_id",
            "group_id",
            sqlite_where=text("group_id IS NOT NULL"),
            postgresql_where=text("group_id IS NOT NULL"),
        ),
        # At most one open conversation per party on a channel, even under concurrent workers.
        Index(
            "uq_conversations_open_per_key",
            "channel_id",
            "conversation_key",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    bot_id: Mapped[int] = mapped_column(BigId, ForeignKey("bots.id"))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("groups.id", ondelete="CASCADE"))
    conversation_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20), default="new")
    assigned_agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    last_inbound_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    # Negative-sentiment customer messages in a row (a handoff rule counts them).
    consecutive_negative: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]
    # Bumped by every status or owner change: changes are compare-and-set on it.
    version: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]
    # Unclaimed past the tenant's escalation timeout: flagged in the queue, the customer told once.
    timeout_flagged_at: Mapped[datetime | None]
    csat_requested_at: Mapped[datetime | None]


class Message(Base, TenantOwned):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "platform_message_id"),
        one_of("role", MESSAGE_ROLES),
        one_of("direction", MESSAGE_DIRECTIONS),
        one_of("status", MESSAGE_STATUSES),
        one_of("source", MESSAGE_SOURCES),
        one_of("route", ROUTES),
        one_of("sentiment", SENTIMENTS),
        one_of("failure_reason", FAILURE_REASONS),
        CheckConstraint(
            "intent_score IS NULL OR (intent_score >= 0 AND intent_score <= 1)", name="intent_score_range"
        ),
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    )

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    inbound_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("inbound_events.id", ondelete="SET NULL"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    # Who wrote an inbound message (in a group conversation several customers speak).
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(20), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column()
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(10), default="direct")
    ad_id: Mapped[str | None] = mapped_column(String(128))
    post_id: Mapped[str | None] = mapped_column(String(128))
    # Click-to-WhatsApp ads' click id, and the ref of an m.me link or a Messenger ad.
    ctwa_clid: Mapped[str | None] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(Text)
    campaign_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="SET NULL"))
    route: Mapped[str | None] = mapped_column(String(10))
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_score: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # A short code for why delivery failed: window_closed, rejected, credentials, gave_up.
    failure_reason: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class MessagePart(Base, TenantOwned):
    """One part of an outbound message as sent (long text goes out in several), with its platform id.

    Recorded before the part is sent (``platform_message_id`` empty until the platform accepts it), so
    an echo or status that arrives before the send's answer, or instead of a lost one, can be matched to
    the part by its text digest and never mistaken for a human's message.
    """

    __tablename__ = "message_parts"
    __table_args__ = (
        UniqueConstraint("message_id", "part_index"),
        UniqueConstraint("channel_id", "platform_message_id"),
        Index("ix_message_parts_channel_digest", "channel_id", "text_digest"),
    )

    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    part_index: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the part's text: what an echo of it can be recognised by.
    text_digest: Mapped[str] = mapped_column(String(64))
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    # A send of this part was attempted and its answer was lost: the platform may have it.
    unconfirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None]


class ToolCall(Base, TenantOwned):
    __tablename__ = "tool_calls"

    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    tool: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    success: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class Handoff(Base, TenantOwned):
    __tablename__ = "handoffs"
    __table_args__ = (
        one_of("trigger", HANDOFF_TRIGGERS),
        # Reports: the handoffs requested in a period.
        Index("ix_handoffs_tenant_requested", "tenant_id", "requested_at"),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    # What the agent reads first: who the customer is, what they asked, lead, source, the bot's answers.
    summary: Mapped[str | None] = mapped_column(Text)


class Feedback(Base, TenantOwned):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        # Reports: the ratings given in a period.
        Index("ix_feedback_tenant_created", "tenant_id", "created_at"),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # The agent who resolved the conversation the rating is about.
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
