"""Subscriptions with their plans, billing events and credit notices: the records around the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BillingEvent, CreditNotice, Plan, Subscription
from storage.sql import insert_ignoring_conflicts, table


@dataclass(frozen=True)
class PlanTerms:
    """What a tenant's subscription entitles it to, read together (the subscription and its plan)."""

    subscription_id: int
    status: str
    period_start: datetime
    period_end: datetime
    trial_ends_at: datetime | None
    plan_code: str
    plan_name: str
    credits_per_period: int
    price: Decimal
    overage_allowed: bool
    overage_price_per_credit: Decimal


async def plan_terms(session: AsyncSession, tenant_id: int) -> PlanTerms | None:
    """The tenant's current subscription (its newest) and plan; None if it has none."""
    s, p = Subscription, Plan
    row = (
        await session.execute(
            select(
                s.id,
                s.status,
                s.current_period_start,
                s.current_period_end,
                s.trial_ends_at,
                p.code,
                p.name,
                p.credits_per_period,
                p.price,
                p.overage_allowed,
                p.overage_price_per_credit,
            )
            .join(p, p.id == s.plan_id)
            .where(s.tenant_id == tenant_id)
            .order_by(s.id.desc())
            .limit(1)
        )
    ).one_or_none()
    return PlanTerms(*row) if row is not None else None


async def move_subscription(
    session: AsyncSession,
    tenant_id: int,
    subscription_id: int,
    *,
    status: str,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
) -> None:
    await session.execute(
        update(Subscription)
        .where(Subscription.tenant_id == tenant_id, Subscription.id == subscription_id)
        .values(
            status=status, current_period_start=period_start, current_period_end=period_end, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )


async def replace_subscription(
    session: AsyncSession, tenant_id: int, ended: PlanTerms, *, plan_id: int, now: datetime
) -> int:
    """End the subscription ``ended`` now (``canceled``) and start one on ``plan_id`` with its status,
    period and trial end; returns the new one's id. The old row keeps its plan, so what was billed under
    it still names the plan it was for."""
    await session.execute(
        update(Subscription)
        .where(Subscription.tenant_id == tenant_id, Subscription.id == ended.subscription_id)
        .values(status="canceled", current_period_end=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    started = Subscription(
        tenant_id=tenant_id,
        plan_id=plan_id,
        status=ended.status,
        current_period_start=ended.period_start,
        current_period_end=ended.period_end,
        trial_ends_at=ended.trial_ends_at,
        created_at=now,
        updated_at=now,
    )
    session.add(started)
    await session.flush()
    return started.id


async def subscription_billed(session: AsyncSession, tenant_id: int, *, period_start: datetime) -> Decimal:
    """What the period that began at ``period_start`` was billed for subscriptions (renewal, upgrades)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(BillingEvent.amount), 0)).where(
            BillingEvent.tenant_id == tenant_id,
            BillingEvent.kind == "subscription",
            BillingEvent.period_start == period_start,
        )
    )
    return Decimal(total or 0)


async def add_billing_event(
    session: AsyncSession,
    *,
    tenant_id: int,
    subscription_id: int | None,
    kind: str,
    amount: Decimal,
    credits: int,
    key: str,
    description: str,
    period_start: datetime | None,
    period_end: datetime | None,
    now: datetime,
) -> bool:
    """Record money owed once per ``key``; False if that key was recorded before (nothing changes)."""
    result = await session.execute(
        insert_ignoring_conflicts(session, BillingEvent),
        {
            "tenant_id": tenant_id,
            "subscription_id": subscription_id,
            "kind": kind,
            "amount": amount,
            "currency": "USD",
            "credits": credits,
            "description": description,
            "occurred_at": now,
            "idempotency_key": key,
            "period_start": period_start,
            "period_end": period_end,
            "created_at": now,
            "updated_at": now,
        },
    )
    return max(getattr(result, "rowcount", 0), 0) == 1


async def billing_events(
    session: AsyncSession, tenant_id: int, *, since: datetime | None = None, limit: int = 100
) -> list[BillingEvent]:
    """The tenant's billing events, newest first (optionally those since a time)."""
    query = select(BillingEvent).where(BillingEvent.tenant_id == tenant_id)
    if since is not None:
        query = query.where(BillingEvent.occurred_at >= since)
    return list((await session.scalars(query.order_by(BillingEvent.id.desc()).limit(limit))).all())


async def add_notice(
    session: AsyncSession,
    *,
    tenant_id: int,
    period_start: datetime,
    threshold: int,
    used: int,
    credits: int,
    now: datetime,
) -> int | None:
    """Record that the tenant reached ``threshold`` % this period; its id, or None if recorded before."""
    notices = table(CreditNotice)
    found = await session.scalar(
        insert_ignoring_conflicts(session, CreditNotice).returning(notices.c.id),
        {
            "tenant_id": tenant_id,
            "period_start": period_start,
            "threshold": threshold,
            "used": used,
            "credits": credits,
            "created_at": now,
            "updated_at": now,
        },
    )
    return int(found) if found is not None else None


async def link_notice_delivery(
    session: AsyncSession, tenant_id: int, notice_id: int, delivery_id: int
) -> None:
    await session.execute(
        update(CreditNotice)
        .where(CreditNotice.tenant_id == tenant_id, CreditNotice.id == notice_id)
        .values(webhook_delivery_id=delivery_id)
        .execution_options(synchronize_session=False)
    )


async def notices(
    session: AsyncSession, tenant_id: int, *, period_start: datetime | None = None
) -> list[CreditNotice]:
    """The tenant's credit notices, oldest first (optionally of one period)."""
    query = select(CreditNotice).where(CreditNotice.tenant_id == tenant_id)
    if period_start is not None:
        query = query.where(CreditNotice.period_start == period_start)
    return list((await session.scalars(query.order_by(CreditNotice.id))).all())
