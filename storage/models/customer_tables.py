"""Customers, GroupMe groups and their members, and the lead activity log."""

from __future__ import annotations

from datetime import datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of

LEAD_STAGES = ("intake", "nurture", "convert", "qualified", "unqualified", "lost")
LEAD_LABELS = ("hot", "warm", "cold")
CUSTOMER_TYPES = ("new", "returning", "vip")
# What a lead activity row records a change of ("type" is the customer type).
LEAD_FIELDS = ("stage", "score", "label", "type")


class Customer(Base, TenantOwned):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("channel_id", "platform_user_id"),
        one_of("lead_stage", LEAD_STAGES),
        one_of("lead_label", LEAD_LABELS),
        one_of("customer_type", CUSTOMER_TYPES),
        CheckConstraint("lead_score >= 0 AND lead_score <= 100", name="lead_score_range"),
        # Reports: the customers first seen in a period (the lead funnel).
        Index("ix_customers_tenant_created", "tenant_id", "created_at"),
    )

    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    lead_stage: Mapped[str] = mapped_column(String(20), default="intake")
    lead_score: Mapped[int] = mapped_column(Integer, default=0)
    lead_label: Mapped[str] = mapped_column(String(10), default="cold")
    customer_type: Mapped[str] = mapped_column(String(20), default="new")
    last_seen_at: Mapped[datetime | None]
    # Forgotten on request: personal fields erased, interactions kept anonymised.
    erased_at: Mapped[datetime | None]


class Group(Base, TenantOwned):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("channel_id", "platform_group_id"),)

    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    platform_group_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    message_count: Mapped[int] = mapped_column(Integer, default=0)


class GroupMember(Base, TenantOwned):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "platform_user_id"),)

    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("groups.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(200))
    paid_subscriber: Mapped[bool] = mapped_column(Boolean, default=False)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    engagement_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_message_at: Mapped[datetime | None]


class LeadActivity(Base, TenantOwned):
    __tablename__ = "lead_activities"
    __table_args__ = (one_of("field", LEAD_FIELDS),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(10))
    old_value: Mapped[str | None] = mapped_column(String(50))
    new_value: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    # The agent who made a manual change.
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
