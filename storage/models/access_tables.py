"""How a tenant's programs reach the admin API: its API keys (stored hashed), and the answers it keeps
for requests sent with an idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.declarative import Base, TenantOwned


class ApiKey(Base, TenantOwned):
    """A tenant API key: only its SHA-256 is stored; ``prefix`` (its first characters) lets a tenant tell
    its keys apart in a list. A revoked key is refused from the moment the revocation commits."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotentRequest(Base, TenantOwned):
    """The first answer to a POST sent with ``Idempotency-Key``: a repeat with the same key and body gets
    it again, a repeat with another body is refused (409)."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "operation", "idempotency_key"),)

    # METHOD and route path, e.g. "POST /api/v1/monetization-sources".
    operation: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_digest: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(default=dict)
