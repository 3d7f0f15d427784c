"""Conversion rows: one per tenant and order id however often a callback repeats; sources by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversion, MonetizationSource
from storage.sql import insert_ignoring_conflicts


async def conversion_by_order_id(
    session: AsyncSession, *, tenant_id: int, external_order_id: str
) -> Conversion | None:
    return await session.scalar(
        select(Conversion).where(
            Conversion.tenant_id == tenant_id, Conversion.external_order_id == external_order_id
        )
    )


async def insert_conversion(session: AsyncSession, row: Mapping[str, Any]) -> bool:
    """Insert ``row`` unless the tenant has a conversion with its order id already; True if inserted.

    Two callbacks racing with one order id both get here: the unique (tenant, order id) key lets one
    insert, and the other (on PostgreSQL after the first commits) inserts nothing.
    """
    result = await session.execute(insert_ignoring_conflicts(session, Conversion), dict(row))
    return max(getattr(result, "rowcount", 0), 0) == 1


async def monetization_source_named(
    session: AsyncSession, *, tenant_id: int, name: str
) -> MonetizationSource | None:
    return await session.scalar(
        select(MonetizationSource).where(
            MonetizationSource.tenant_id == tenant_id, MonetizationSource.name == name
        )
    )
