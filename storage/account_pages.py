"""Pages of a tenant's credit ledger, usage log and conversions, newest first (storage/keyset.py).

Every query is scoped to the tenant it is given; a filter left as None is not applied.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.keyset import Page, newest_first
from storage.models import Conversion, CreditTransaction, UsageLog


async def ledger_page(
    session: AsyncSession, tenant_id: int, *, kind: str | None, limit: int, before: int | None
) -> Page[CreditTransaction]:
    statement = select(CreditTransaction).where(CreditTransaction.tenant_id == tenant_id)
    if kind is not None:
        statement = statement.where(CreditTransaction.kind == kind)
    return await newest_first(session, statement, CreditTransaction.id, limit=limit, before=before)


async def usage_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    conversation_id: int | None,
    limit: int,
    before: int | None,
) -> Page[UsageLog]:
    statement = select(UsageLog).where(UsageLog.tenant_id == tenant_id)
    if conversation_id is not None:
        statement = statement.where(UsageLog.conversation_id == conversation_id)
    return await newest_first(session, statement, UsageLog.id, limit=limit, before=before)


async def conversions_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    outcome: str | None,
    customer_id: int | None,
    conversation_id: int | None,
    limit: int,
    before: int | None,
) -> Page[Conversion]:
    statement = select(Conversion).where(Conversion.tenant_id == tenant_id)
    if outcome is not None:
        statement = statement.where(Conversion.outcome == outcome)
    if customer_id is not None:
        statement = statement.where(Conversion.customer_id == customer_id)
    if conversation_id is not None:
        statement = statement.where(Conversion.conversation_id == conversation_id)
    return await newest_first(session, statement, Conversion.id, limit=limit, before=before)
