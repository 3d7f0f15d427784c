"""Helpers for the credit tests: a tenant's account and ledger, balances set through the ledger, claimed
events to hold credits for, and plan or subscription changes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing import credit_accounts
from storage import credits, inbox_queue
from storage.db import transaction
from storage.inbox_queue import ClaimedEvent, NewEvent
from storage.models import Channel, CreditAccount, CreditTransaction, Plan, Subscription, Tenant, utcnow


async def tenant_row(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> Tenant:
    async with sessions() as session:
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        return tenant


async def account(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> CreditAccount:
    async with sessions() as session:
        found = await credits.account_of(session, tenant_id)
        assert found is not None
        return found


async def ledger(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> list[CreditTransaction]:
    """The tenant's ledger, oldest first."""
    async with sessions() as session:
        rows = await session.scalars(
            select(CreditTransaction)
            .where(CreditTransaction.tenant_id == tenant_id)
            .order_by(CreditTransaction.id)
        )
        return list(rows.all())


async def assert_ledger_adds_up(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> None:
    """The ledger's deltas sum to the balance and its held deltas to the holds, and no row went below 0."""
    found = await account(sessions, tenant_id)
    rows = await ledger(sessions, tenant_id)
    assert sum(r.delta for r in rows) == found.balance
    assert sum(r.reserved_delta for r in rows) == found.reserved
    assert all(0 <= r.reserved_after <= r.balance_after for r in rows)
    assert (rows[-1].balance_after, rows[-1].reserved_after) == (found.balance, found.reserved)


async def set_balance(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int, target: int, now: datetime | None = None
) -> None:
    """Bring the balance to ``target`` with an operator's adjustment (so the ledger still adds up)."""
    tenant = await tenant_row(sessions, tenant_id)
    current = (await account(sessions, tenant_id)).balance
    if current == target:
        return
    async with transaction(sessions) as session:
        await credit_accounts.adjust(
            session,
            tenant,
            delta=target - current,
            key=f"test-{uuid.uuid4().hex}",
            note="test set-up",
            now=now or utcnow(),
        )


async def set_subscription(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: int,
    *,
    plan: str | None = None,
    status: str | None = None,
    trial_ends_at: datetime | None = None,
) -> None:
    async with transaction(sessions) as session:
        values: dict[str, object] = {}
        if plan is not None:
            values["plan_id"] = await session.scalar(select(Plan.id).where(Plan.code == plan))
        if status is not None:
            values["status"] = status
        if trial_ends_at is not None:
            values["trial_ends_at"] = trial_ends_at
        await session.execute(update(Subscription).where(Subscription.tenant_id == tenant_id).values(values))


async def claimed_events(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int, count: int, *, lease_seconds: float = 60.0
) -> list[ClaimedEvent]:
    """``count`` inbound events of the tenant's first channel, each in its own conversation, claimed."""
    tag = uuid.uuid4().hex[:8]
    async with transaction(sessions) as session:
        channel_id = await session.scalar(select(Channel.id).where(Channel.tenant_id == tenant_id))
        assert channel_id is not None
        now = utcnow()
        await inbox_queue.insert_events(
            session,
            [
                NewEvent(tenant_id, channel_id, f"{tag}-{n}", f"{tag}-c{n}", "message", {"n": n})
                for n in range(count)
            ],
            now,
        )
    claimed: list[ClaimedEvent] = []
    while len(claimed) < count:
        async with transaction(sessions) as session:
            batch = await inbox_queue.claim_events(
                session,
                now=utcnow(),
                lease_seconds=lease_seconds,
                limit=count - len(claimed),
                exclude_ids=[e.id for e in claimed],
            )
        assert batch, "the events could not be claimed"
        claimed.extend(batch)
    return claimed
