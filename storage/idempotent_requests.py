"""Stored first answers of POSTs made with an Idempotency-Key (always scoped by tenant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IdempotentRequest


async def find(session: AsyncSession, tenant_id: int, operation: str, key: str) -> IdempotentRequest | None:
    return await session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.tenant_id == tenant_id,
            IdempotentRequest.operation == operation,
            IdempotentRequest.idempotency_key == key,
        )
    )


async def claim(
    session: AsyncSession, tenant_id: int, operation: str, key: str, digest: str
) -> IdempotentRequest:
    """Insert the key's row before the work (a concurrent twin fails on the unique key at this flush)."""
    row = IdempotentRequest(
        tenant_id=tenant_id,
        operation=operation,
        idempotency_key=key,
        request_digest=digest,
        response_status=0,
        response_body={},
    )
    session.add(row)
    await session.flush()
    return row


def remember(row: IdempotentRequest, status: int, body: dict[str, Any]) -> None:
    row.response_status = status
    row.response_body = body
