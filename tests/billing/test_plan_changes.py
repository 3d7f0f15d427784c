"""An operator changes a tenant's plan: at once, the period keeps the largest plan it had, and the ledger,
the billing events and the subscriptions say what happened. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing import credit_accounts
from bot.billing.plan_changes import PlanChange, change_plan
from bot.billing.rate_limits import PlanRates, tenant_rates
from bot.errors import AdminError
from bot.tenancy.tenant_accounts import create_tenant
from storage import billing_records
from storage.credits import period_stamp
from storage.db import transaction
from storage.models import BillingEvent, Plan, Subscription, utcnow
from tests.support.credits import account, assert_ledger_adds_up, ledger, set_subscription, tenant_row


async def new_tenant(sessions: async_sessionmaker[AsyncSession], slug: str, plan: str) -> int:
    async with transaction(sessions) as session:
        return (await create_tenant(session, name=slug.title(), slug=slug, plan_code=plan)).id


async def change(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int, code: str, now: datetime | None = None
) -> PlanChange:
    tenant = await tenant_row(sessions, tenant_id)
    async with transaction(sessions) as session:
        return await change_plan(session, tenant, code, now=now or utcnow())


async def billed(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> list[BillingEvent]:
    async with sessions() as session:
        return list(reversed(await billing_records.billing_events(session, tenant_id)))


async def subscriptions(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> list[tuple[str, str]]:
    """The tenant's subscriptions, oldest first, as (plan code, status)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Plan.code, Subscription.status)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.tenant_id == tenant_id)
            .order_by(Subscription.id)
        )
        return [(code, status) for code, status in rows.all()]


async def rates(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> PlanRates:
    async with sessions() as session:
        return await tenant_rates(session, tenant_id)


async def test_an_upgrade_adds_the_difference_in_credits_now_and_bills_the_difference_in_price(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "beans", "basic")
    tenant = await tenant_row(sessions, tenant_id)
    async with transaction(sessions) as session:
        await credit_accounts.grant(session, tenant, credits_added=30, key="order-7", note=None, now=utcnow())
    period = await account(sessions, tenant_id)

    done = await change(sessions, tenant_id, "pro")

    assert (done.old_plan, done.new_plan, done.credits_added, done.billed) == (
        "basic",
        "pro",
        900,
        Decimal("80"),
    )
    after = await account(sessions, tenant_id)
    # The bought credits stay; the period now has the pro plan's 1000 plan credits, expiring at its end.
    assert (after.balance, after.period_plan_credits, after.period_end) == (1030, 1000, period.period_end)
    last = (await ledger(sessions, tenant_id))[-1]
    assert (last.kind, last.delta, last.idempotency_key) == (
        "refill",
        900,
        f"plan:{period_stamp(period.period_start)}:pro",
    )
    (upgrade,) = await billed(sessions, tenant_id)
    assert (upgrade.kind, upgrade.amount, upgrade.credits) == ("subscription", Decimal("80.00"), 900)
    assert upgrade.period_start == period.period_start
    # The basic subscription ended; the pro one carries the period on, and the upgrade is billed to it.
    assert await subscriptions(sessions, tenant_id) == [("basic", "canceled"), ("pro", "active")]
    async with sessions() as session:
        terms = await billing_records.plan_terms(session, tenant_id)
    assert terms is not None
    assert (terms.plan_code, terms.subscription_id) == ("pro", upgrade.subscription_id)
    assert (terms.period_start, terms.period_end) == (period.period_start, period.period_end)
    assert await rates(sessions, tenant_id) == PlanRates(per_minute=50, per_hour=2000)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_a_downgrade_keeps_the_periods_credits_and_going_up_again_adds_nothing_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "kettle", "pro")

    down = await change(sessions, tenant_id, "basic")
    assert (down.credits_added, down.billed) == (0, Decimal("0"))
    assert (await account(sessions, tenant_id)).balance == 1000  # nothing taken back
    assert await rates(sessions, tenant_id) == PlanRates(per_minute=20, per_hour=500)
    back = await change(sessions, tenant_id, "pro")
    assert (back.credits_added, back.billed) == (0, Decimal("0"))  # the period had pro's credits already
    up = await change(sessions, tenant_id, "enterprise")
    # 9000 more credits; billed the price over pro's, whose credits the period had.
    assert (up.credits_added, up.billed) == (9000, Decimal("400"))
    assert [e.amount for e in await billed(sessions, tenant_id)] == [Decimal("400.00")]
    assert [code for code, _ in await subscriptions(sessions, tenant_id)] == [
        "pro",
        "basic",
        "pro",
        "enterprise",
    ]

    # At the period's end the plan credits nobody used expire, and the new plan refills and renews.
    end = (await account(sessions, tenant_id)).period_end
    await change(sessions, tenant_id, "basic", now=end + timedelta(minutes=1))
    after = await account(sessions, tenant_id)
    assert (after.balance, after.period_plan_credits) == (10000, 10000)  # enterprise's, this period too
    tail = [(r.kind, r.delta) for r in (await ledger(sessions, tenant_id))[-2:]]
    assert tail == [("expire", -10000), ("refill", 10000)]
    renewal = (await billed(sessions, tenant_id))[-1]
    assert (renewal.amount, renewal.period_start) == (Decimal("499.00"), end)
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_a_change_after_the_period_ended_applies_to_the_next_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "roast", "basic")
    end = (await account(sessions, tenant_id)).period_end

    done = await change(sessions, tenant_id, "pro", now=end + timedelta(days=1))

    # The period that began at ``end`` renewed on basic (19) and was upgraded (80): 99 in all.
    assert (done.credits_added, done.billed) == (900, Decimal("80"))
    assert [(e.amount, e.period_start) for e in await billed(sessions, tenant_id)] == [
        (Decimal("19.00"), end),
        (Decimal("80.00"), end),
    ]
    assert (await account(sessions, tenant_id)).balance == 1000
    await assert_ledger_adds_up(sessions, tenant_id)


async def test_a_trial_gets_the_credits_unbilled_and_a_past_due_subscription_neither(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    trial = await new_tenant(sessions, "trial-shop", "basic")
    await set_subscription(sessions, trial, status="trialing", trial_ends_at=utcnow() + timedelta(days=14))
    late = await new_tenant(sessions, "late-shop", "basic")
    await set_subscription(sessions, late, status="past_due")

    on_trial = await change(sessions, trial, "pro")
    past_due = await change(sessions, late, "pro")

    assert (on_trial.status, on_trial.credits_added, on_trial.billed) == ("trialing", 900, Decimal("0"))
    assert (past_due.status, past_due.credits_added, past_due.billed) == ("past_due", 0, Decimal("0"))
    assert await billed(sessions, trial) == await billed(sessions, late) == []
    assert (await account(sessions, trial)).balance == 1000
    assert (await account(sessions, late)).balance == 100
    assert (await subscriptions(sessions, trial))[-1] == ("pro", "trialing")
    assert (await subscriptions(sessions, late))[-1] == ("pro", "past_due")


async def test_an_unknown_plan_is_refused_naming_the_plans_and_the_same_plan_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "mill", "basic")

    with pytest.raises(AdminError) as refused:
        await change(sessions, tenant_id, "gold")
    same = await change(sessions, tenant_id, "basic")

    assert str(refused.value) == "unknown plan 'gold'; the plans are free, basic, pro, enterprise"
    assert same.unchanged
    assert await subscriptions(sessions, tenant_id) == [("basic", "active")]
    assert len(await ledger(sessions, tenant_id)) == 1  # the first refill only


async def test_operators_changing_the_plan_at_once_change_it_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "press", "basic")

    done = await asyncio.gather(*(change(sessions, tenant_id, "pro") for _ in range(3)))

    assert sorted(d.unchanged for d in done) == [False, True, True]
    assert (await account(sessions, tenant_id)).balance == 1000
    assert len(await billed(sessions, tenant_id)) == 1
    assert await subscriptions(sessions, tenant_id) == [("basic", "canceled"), ("pro", "active")]
    await assert_ledger_adds_up(sessions, tenant_id)
