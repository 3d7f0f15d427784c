"""Credit periods roll lazily: unused plan credits expire, bought ones roll over, the plan refills once per
period whatever the clock does; renewals and overage are billed. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing import credit_accounts
from bot.billing.admission import LLMTurnRequest, admit_and_hold
from bot.billing.credit_periods import roll_if_due
from bot.billing.turn_credits import settle
from bot.tenancy.demo.seed import DemoReport
from storage import billing_records
from storage.db import transaction
from storage.models import BillingEvent, Subscription, utcnow
from storage.tenants import PERIOD
from tests.support.credits import (
    account,
    assert_ledger_adds_up,
    claimed_events,
    ledger,
    set_balance,
    set_subscription,
    tenant_row,
)


async def roll(sessions: async_sessionmaker[AsyncSession], tenant_id: int, now: datetime) -> bool:
    async with transaction(sessions) as session:
        return await roll_if_due(session, tenant_id, now)


async def billed(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> list[BillingEvent]:
    async with sessions() as session:
        return list(reversed(await billing_records.billing_events(session, tenant_id)))


async def subscription(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> Subscription:
    async with sessions() as session:
        terms = await billing_records.plan_terms(session, tenant_id)
        assert terms is not None
        found = await session.get(Subscription, terms.subscription_id)
        assert found is not None
        return found


async def spend(sessions: async_sessionmaker[AsyncSession], tenant_id: int, credits: int) -> None:
    """One LLM turn that cost ``credits``: reserved, then committed."""
    (event,) = await claimed_events(sessions, tenant_id, 1)
    async with transaction(sessions) as session:
        outcome = await admit_and_hold(
            session, LLMTurnRequest(tenant_id, None, event.id, event.lock_token, 1), (), utcnow()
        )
    assert outcome.hold is not None
    async with transaction(sessions) as session:
        await settle(session, outcome.hold, charge=credits, message_id=None, note="turn", now=utcnow())


async def test_at_the_period_end_unused_plan_credits_expire_and_bought_ones_roll_over(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant = await tenant_row(sessions, demo.tenant_id)
    async with transaction(sessions) as session:
        await credit_accounts.grant(session, tenant, credits_added=50, key="order-1", note=None, now=utcnow())
    await spend(sessions, demo.tenant_id, 300)
    before = await account(sessions, demo.tenant_id)
    assert (before.balance, before.period_used) == (750, 300)

    assert await roll(sessions, demo.tenant_id, before.period_end + timedelta(minutes=1))

    after = await account(sessions, demo.tenant_id)
    # 700 unused plan credits expired; the 50 bought ones stayed; the pro plan's 1000 came in.
    assert (after.balance, after.period_used, after.period_plan_credits) == (1050, 0, 1000)
    assert after.period_start == before.period_end
    assert after.period_end == before.period_end + PERIOD
    tail = [(r.kind, r.delta, r.balance_after) for r in (await ledger(sessions, demo.tenant_id))[-2:]]
    assert tail == [("expire", -700, 50), ("refill", 1000, 1050)]
    await assert_ledger_adds_up(sessions, demo.tenant_id)
    (renewal,) = await billed(sessions, demo.tenant_id)
    assert (renewal.kind, renewal.amount, renewal.period_start) == (
        "subscription",
        Decimal("99.00"),
        after.period_start,
    )
    assert (await subscription(sessions, demo.tenant_id)).current_period_start == after.period_start


async def test_a_period_refills_once_whatever_the_clock_does(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    end = (await account(sessions, demo.tenant_id)).period_end
    assert not await roll(sessions, demo.tenant_id, end - timedelta(seconds=1))
    assert await roll(sessions, demo.tenant_id, end + timedelta(minutes=1))
    # The same moment again, the clock set back, then forward again within the new period: nothing.
    for moment in (end + timedelta(minutes=1), end - timedelta(days=3), end + timedelta(days=2)):
        assert not await roll(sessions, demo.tenant_id, moment)

    refills = [r for r in await ledger(sessions, demo.tenant_id) if r.kind == "refill"]
    assert len(refills) == 2  # the tenant's first period, and this one
    assert len(await billed(sessions, demo.tenant_id)) == 1
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_processes_rolling_the_same_period_at_once_roll_it_once(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    end = (await account(sessions, demo.tenant_id)).period_end
    # Ten writers at once (on PostgreSQL on ten connections), some with clocks a little apart.
    moments = [end + timedelta(seconds=s) for s in range(10)]
    await asyncio.gather(*(roll(sessions, demo.tenant_id, m) for m in moments))

    assert [r.kind for r in await ledger(sessions, demo.tenant_id)].count("refill") == 2
    assert (await account(sessions, demo.tenant_id)).balance == 1000
    assert len(await billed(sessions, demo.tenant_id)) == 1
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_a_long_gap_bills_each_period_and_refills_only_the_current_one(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    end = (await account(sessions, demo.tenant_id)).period_end
    assert await roll(sessions, demo.tenant_id, end + 2 * PERIOD + timedelta(days=1))

    after = await account(sessions, demo.tenant_id)
    assert after.period_start == end + 2 * PERIOD
    assert after.balance == 1000
    renewals = await billed(sessions, demo.tenant_id)
    assert [r.period_start for r in renewals] == [end, end + PERIOD, end + 2 * PERIOD]
    assert sum(r.amount for r in renewals) == Decimal("297.00")


async def test_a_trial_refills_free_until_it_ends_then_renews_as_active(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    end = (await account(sessions, demo.tenant_id)).period_end
    await set_subscription(
        sessions, demo.tenant_id, status="trialing", trial_ends_at=end + timedelta(days=10)
    )

    assert await roll(sessions, demo.tenant_id, end + timedelta(minutes=1))
    assert (await subscription(sessions, demo.tenant_id)).status == "trialing"
    assert (await account(sessions, demo.tenant_id)).balance == 1000
    assert await billed(sessions, demo.tenant_id) == []

    assert await roll(sessions, demo.tenant_id, end + PERIOD + timedelta(minutes=1))
    assert (await subscription(sessions, demo.tenant_id)).status == "active"
    (renewal,) = await billed(sessions, demo.tenant_id)
    assert renewal.amount == Decimal("99.00")


async def test_past_due_and_canceled_subscriptions_expire_plan_credits_and_refill_nothing(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    tenant = await tenant_row(sessions, demo.tenant_id)
    async with transaction(sessions) as session:
        await credit_accounts.grant(
            session, tenant, credits_added=30, key="gift", note="welcome", now=utcnow()
        )
    for status in ("past_due", "canceled"):
        await set_subscription(sessions, demo.tenant_id, status=status)
        end = (await account(sessions, demo.tenant_id)).period_end
        assert await roll(sessions, demo.tenant_id, end + timedelta(minutes=1))
        assert (await account(sessions, demo.tenant_id)).balance == 30  # what was bought stays
    assert await billed(sessions, demo.tenant_id) == []
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_overage_adds_billed_blocks_up_to_the_plans_own_credits(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_balance(sessions, demo.tenant_id, 0)
    events = await claimed_events(sessions, demo.tenant_id, 11)
    outcomes = []
    for event in events:  # each turn asks for 100 credits, one block's worth
        async with transaction(sessions) as session:
            outcomes.append(
                await admit_and_hold(
                    session,
                    LLMTurnRequest(demo.tenant_id, None, event.id, event.lock_token, 100),
                    (),
                    utcnow(),
                )
            )

    assert [o.admitted for o in outcomes] == [True] * 10 + [False]
    overage = await billed(sessions, demo.tenant_id)
    assert [(e.kind, e.credits, e.amount) for e in overage] == [("overage", 100, Decimal("8.00"))] * 10
    after = await account(sessions, demo.tenant_id)
    assert (after.balance, after.reserved, after.period_overage) == (1000, 1000, 1000)
    await assert_ledger_adds_up(sessions, demo.tenant_id)


async def test_a_plan_without_overage_runs_out(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_subscription(sessions, demo.tenant_id, plan="free")
    await set_balance(sessions, demo.tenant_id, 0)
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)
    async with transaction(sessions) as session:
        outcome = await admit_and_hold(
            session, LLMTurnRequest(demo.tenant_id, None, event.id, event.lock_token, 1), (), utcnow()
        )
    assert not outcome.admitted
    assert await billed(sessions, demo.tenant_id) == []


async def test_a_turn_after_the_period_end_refills_then_reserves(
    sessions: async_sessionmaker[AsyncSession], demo: DemoReport
) -> None:
    await set_subscription(sessions, demo.tenant_id, plan="free")
    await set_balance(sessions, demo.tenant_id, 0)
    end = (await account(sessions, demo.tenant_id)).period_end
    (event,) = await claimed_events(sessions, demo.tenant_id, 1)
    async with transaction(sessions) as session:
        outcome = await admit_and_hold(
            session,
            LLMTurnRequest(demo.tenant_id, None, event.id, event.lock_token, 1),
            (),
            end + timedelta(hours=1),
        )
    assert outcome.admitted
    after = await account(sessions, demo.tenant_id)
    assert (after.balance, after.reserved, after.period_plan_credits) == (10, 1, 10)
