"""Rate-limit counters: how many LLM turns a tenant, or messages a customer, took in one time window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, TenantOwned, one_of

RATE_SCOPES = ("tenant", "customer")
RATE_WINDOWS = ("minute", "hour")
# subject_id of the tenant-wide counters. Not NULL: NULLs are all distinct to a unique key, so two
# processes could each insert "the" tenant's row for the same window.
TENANT_WIDE = 0


class RateLimitCounter(Base, TenantOwned):
    """One window of one counter; the row is created by the window's first hit and deleted after it ends."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (
        one_of("scope", RATE_SCOPES),
        one_of("kind", RATE_WINDOWS),
        CheckConstraint("hits >= 0", name="hits_non_negative"),
        # What every increment conflicts on (named: the generated name would pass PostgreSQL's 63 bytes).
        UniqueConstraint(
            "tenant_id", "scope", "subject_id", "kind", "window_start", name="uq_rate_limit_counters_window"
        ),
        Index("ix_rate_limit_counters_tenant_expiry", "tenant_id", "expires_at"),
    )

    scope: Mapped[str] = mapped_column(String(10))
    # The customer's id for scope "customer", TENANT_WIDE for the tenant's own counters.
    subject_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))
    window_start: Mapped[datetime]
    # window_start plus the window's length: when the row stops counting anything.
    expires_at: Mapped[datetime]
    hits: Mapped[int] = mapped_column(Integer, default=0)
