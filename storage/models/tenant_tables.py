"""Tenants, the plans they subscribe to, and their human agents."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, IdPk, TenantOwned, Timestamps, one_of

PLAN_CODES = ("free", "basic", "pro", "enterprise")
SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "canceled")
AGENT_ROLES = ("agent", "admin")


class Tenant(Base, IdPk, Timestamps):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactivity_timeout_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Bumped in the same transaction as any change to the tenant's configuration (storage/config_versions.py):
    # what per-process caches of tenants, channels, bots, templates, commands and knowledge compare with.
    config_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Plan(Base, IdPk, Timestamps):
    __tablename__ = "plans"
    __table_args__ = (
        one_of("code", PLAN_CODES),
        CheckConstraint("price >= 0 AND overage_price_per_credit >= 0", name="prices_non_negative"),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    credits_per_period: Mapped[int] = mapped_column(BigInteger)
    requests_per_minute: Mapped[int] = mapped_column(Integer)
    requests_per_hour: Mapped[int] = mapped_column(Integer)
    # USD per period, billed at each renewal.
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"), server_default="0")
    # Whether a tenant out of credits gets an overage block (billed at this price per credit) instead of
    # the out-of-credits path (bot/billing/overage.py).
    overage_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    overage_price_per_credit: Mapped[Decimal] = mapped_column(
        Numeric(12, 6), default=Decimal("0"), server_default="0"
    )


class Subscription(Base, TenantOwned):
    __tablename__ = "subscriptions"
    __table_args__ = (one_of("status", SUBSCRIPTION_STATUSES),)

    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    current_period_start: Mapped[datetime]
    current_period_end: Mapped[datetime]
    trial_ends_at: Mapped[datetime | None]


class Agent(Base, TenantOwned):
    __tablename__ = "agents"
    __table_args__ = (one_of("role", AGENT_ROLES), UniqueConstraint("tenant_id", "name"))

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None]
    # After this the token is refused (401); None: it never expires.
    token_expires_at: Mapped[datetime | None]
    # How many conversations the agent may own at once (auto-assignment stops there).
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    notes: Mapped[str | None] = mapped_column(Text)
