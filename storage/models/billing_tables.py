"""Credits and billing: per-tenant balance, its ledger and open holds, usage, notices and billing events."""

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

# grant: credits given or bought (roll over); refill: the plan's credits at a period's start; expire: the
# plan's unused credits at a period's end; reserve / commit / release: an LLM turn's hold, its charge, or
# the hold given back; adjust: an operator's correction, either way.
TRANSACTION_KINDS = ("grant", "refill", "expire", "reserve", "commit", "release", "adjust")
BILLING_KINDS = ("subscription", "overage")
NOTICE_THRESHOLDS = (80, 100)


class CreditAccount(Base, TenantOwned):
    """One per tenant. ``balance`` counts every credit the tenant has; ``reserved`` of them are held by
    LLM turns in flight, so ``balance - reserved`` is what a new turn may reserve."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        # Holds never exceed the balance: whatever order turns commit in, the balance stays >= 0.
        CheckConstraint("balance >= reserved", name="reserved_covered"),
    )

    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    used_total: Mapped[int] = mapped_column(BigInteger, default=0)
    purchased_total: Mapped[int] = mapped_column(BigInteger, default=0)
    expired_total: Mapped[int] = mapped_column(BigInteger, default=0)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    # This period: credits charged, the plan credits its refill brought (what may expire at its end), and
    # credits added as overage.
    period_used: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    period_plan_credits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    period_overage: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class CreditTransaction(Base, TenantOwned):
    """The append-only ledger: one row per change of an account's balance or holds.

    The sum of ``delta`` over a tenant's rows is its balance; the sum of ``reserved_delta`` its holds.
    """

    __tablename__ = "credit_transactions"
    __table_args__ = (
        one_of("kind", TRANSACTION_KINDS),
        # Unique forever: a turn processed again, or a grant sent twice, changes nothing twice.
        UniqueConstraint("tenant_id", "idempotency_key"),
    )

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_accounts.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    reserved_delta: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    reserved_after: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    # The bot turn a reserve, commit or release belongs to: its inbound event and its first reply.
    inbound_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("inbound_events.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(Text)


class CreditHold(Base, TenantOwned):
    """A reservation not settled yet: one per attempt of an LLM turn (its event and its claim's token).

    The turn's persist step deletes it as it commits or releases the credits; a hold whose attempt died
    (the event was claimed again, finished or failed) is released by the next attempt or by the sweep.
    Whoever deletes the row settles the hold, so it is settled once.
    """

    __tablename__ = "credit_holds"
    __table_args__ = (
        UniqueConstraint("inbound_event_id", "lock_token"),
        CheckConstraint("credits > 0", name="credits_positive"),
    )

    inbound_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("inbound_events.id", ondelete="SET NULL")
    )
    lock_token: Mapped[str] = mapped_column(String(64))
    credits: Mapped[int] = mapped_column(BigInteger)
    reserve_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("credit_transactions.id", ondelete="SET NULL")
    )


class CreditNotice(Base, TenantOwned):
    """The tenant was told that a share (80 or 100 %) of a period's credits is used: once per period."""

    __tablename__ = "credit_notices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "period_start", "threshold"),
        CheckConstraint(
            f"threshold IN ({', '.join(str(t) for t in NOTICE_THRESHOLDS)})", name="threshold_valid"
        ),
    )

    period_start: Mapped[datetime]
    threshold: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(BigInteger)
    credits: Mapped[int] = mapped_column(BigInteger)
    webhook_delivery_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )


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
    """Money owed: a period's subscription fee at renewal, an overage block when one is added."""

    __tablename__ = "billing_events"
    __table_args__ = (
        one_of("kind", BILLING_KINDS),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        UniqueConstraint("tenant_id", "idempotency_key"),
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
    idempotency_key: Mapped[str] = mapped_column(String(128))
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
