"""Tenant, plan, subscription and agent queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import credits
from storage.models import Agent, CreditAccount, Plan, Subscription, Tenant

PERIOD = timedelta(days=30)


async def get_tenant_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.slug == slug))


async def list_tenants(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(select(Tenant.slug, Tenant.name).order_by(Tenant.slug))
    return [(slug, name) for slug, name in rows.all()]


async def tenants_for_update(session: AsyncSession) -> list[Tenant]:
    """Every tenant, locked (PostgreSQL) while the caller changes their settings (operator-level)."""
    query = select(Tenant).order_by(Tenant.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list((await session.scalars(query)).all())


async def get_tenant(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def tenant_for_update(session: AsyncSession, tenant_id: int) -> Tenant | None:
    """The tenant, locked until the transaction ends (PostgreSQL; SQLite's write transactions already
    exclude each other): for a read-change-write of its settings, or to serialise checks of its rows."""
    return await session.scalar(
        select(Tenant)
        .where(Tenant.id == tenant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def get_plan(session: AsyncSession, code: str) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.code == code))


async def list_plans(session: AsyncSession) -> list[Plan]:
    """Every plan, smallest (fewest credits per period) first."""
    return list((await session.scalars(select(Plan).order_by(Plan.credits_per_period, Plan.id))).all())


async def create_tenant(
    session: AsyncSession,
    *,
    name: str,
    slug: str,
    plan: Plan,
    now: datetime,
    timezone: str = "UTC",
) -> Tenant:
    """A tenant with an active subscription to ``plan`` and a credit account holding the plan's credits
    (written in its ledger as the first period's refill)."""
    tenant = Tenant(name=name, slug=slug, timezone=timezone, settings={})
    session.add(tenant)
    await session.flush()
    session.add(
        Subscription(
            tenant_id=tenant.id,
            plan_id=plan.id,
            status="active",
            current_period_start=now,
            current_period_end=now + PERIOD,
        )
    )
    account = CreditAccount(
        tenant_id=tenant.id,
        balance=plan.credits_per_period,
        reserved=0,
        period_start=now,
        period_end=now + PERIOD,
        period_plan_credits=plan.credits_per_period,
    )
    session.add(account)
    await session.flush()
    if plan.credits_per_period:
        await credits.append(
            session,
            tenant_id=tenant.id,
            after=credits.Balances(account.id, account.balance, 0, now, 0),
            kind="refill",
            delta=plan.credits_per_period,
            key=f"period:{credits.period_stamp(now)}:refill",
            description=f"the {plan.name} plan's credits for the period",
            now=now,
        )
    return tenant


async def create_agent(
    session: AsyncSession, *, tenant_id: int, name: str, role: str, token_hash: str, email: str | None = None
) -> Agent:
    agent = Agent(tenant_id=tenant_id, name=name, role=role, token_hash=token_hash, email=email)
    session.add(agent)
    await session.flush()
    return agent


async def get_agent_by_name(session: AsyncSession, tenant_id: int, name: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.tenant_id == tenant_id, Agent.name == name))


async def config_version(session: AsyncSession, tenant_id: int) -> int | None:
    """The tenant's configuration counter (storage/config_versions.py); None if there is no such tenant."""
    return await session.scalar(select(Tenant.config_version).where(Tenant.id == tenant_id))
