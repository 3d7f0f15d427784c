"""Credits and billing: per-tenant balance, its ledger, usage and billing events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, BigId, TenantOwned, one_of

TRANSACTION_KINDS = ("grant", "debit", "purchase", "expire", "refund", "adjust")
BILLING_KINDS = ("subscription", "overage")


class CreditAccount(Base, TenantOwned):
    __tablename__ = "credit_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("balance >= 0", name="balance_non_negative"),
    )

    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    used_total: Mapped[int] = mapped_column(BigInteger, default=0)
    purchased_total: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_total: Mapped[int] = mapped_column(BigInteger, default=0)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]


class CreditTransaction(Base, TenantOwned):
    __tablename__ = "credit_transactions"
    __table_args__ = (
        one_of("kind", TRANSACTION_KINDS),
        # A turn that is processed again debits nothing twice.
        UniqueConstraint("tenant_id", "idempotency_key"),
    )

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_accounts.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(Text)


class UsageLog(Base, TenantOwned):
    __tablename__ = "usage_logs"
    # Reports: the usage logged in a period.
    __table_args__ = (Index("ix_usage_logs_tenant_created", "tenant_id", "created_at"),)

    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    usage_type: Mapped[str] = mapped_column(String(20))
    credits: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal("0"))
    response_time_ms: Mapped[int | None] = mapped_column(Integer)


class BillingEvent(Base, TenantOwned):
    __tablename__ = "billing_events"
    __table_args__ = (
        one_of("kind", BILLING_KINDS),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    subscription_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    credits: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime]
