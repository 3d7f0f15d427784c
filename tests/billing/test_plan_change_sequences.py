"""Several plan changes inside one period bill what the documented rule says, whatever the order.

The rule (README, "Changing a tenant's plan"): a period keeps the largest plan it had, and an upgrade on
an active subscription bills the new plan's price less what the period is already covered for. A period
entered by a renewal is covered for the plan it renewed on (billed then), so it is billed, in all, the
price of the largest plan it had. The tenant's first period is not billed when the tenant is created; it
is covered for the plan the tenant was created on all the same, so an upgrade costs the same difference
in the first period as in any other, and that period is billed the largest plan's price less the first
plan's. Going down and up again, or up and back, within a period adds nothing twice. A trial gets the
credits unbilled; a past-due subscription neither. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import tenants
from storage.models import Plan
from storage.tenants import PERIOD
from tests.billing.test_plan_changes import billed, change, new_tenant
from tests.support.credits import account, assert_ledger_adds_up, set_subscription

CODES = ("free", "basic", "pro", "enterprise")
# Each example makes a tenant of its own in the test's database, so a function-scoped fixture is right.
PROPERTIES = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_slugs = itertools.count(1)


async def seeded_plans(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Plan]:
    async with sessions() as session:
        return {plan.code: plan for plan in await tenants.list_plans(session)}


async def period_bill(sessions: async_sessionmaker[AsyncSession], tenant_id: int, start: datetime) -> Decimal:
    """What the period that began at ``start`` was billed for the subscription (renewal and upgrades)."""
    events = await billed(sessions, tenant_id)
    return sum(
        (e.amount for e in events if e.kind == "subscription" and e.period_start == start),
        Decimal("0"),
    )


async def bill_after(
    sessions: async_sessionmaker[AsyncSession], first: str, changes: list[str], *, renewed: bool
) -> Decimal:
    """A new tenant on ``first`` makes ``changes`` one after the other within one period (its first, or
    the next one, entered by a renewal); what that period is billed."""
    tenant_id = await new_tenant(sessions, f"seq-{next(_slugs)}", first)
    start = None
    if renewed:
        start = (await account(sessions, tenant_id)).period_end
        # The same plan again changes nothing, but rolls the period: the renewal is billed on ``first``.
        assert (await change(sessions, tenant_id, first, now=start)).unchanged
    for minute, code in enumerate(changes, start=1):
        at = start + timedelta(minutes=minute) if start is not None else None
        await change(sessions, tenant_id, code, now=at)
    await assert_ledger_adds_up(sessions, tenant_id)
    return await period_bill(sessions, tenant_id, (await account(sessions, tenant_id)).period_start)


async def test_down_and_up_again_in_the_first_period_bills_what_the_upgrade_alone_bills(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Created on basic (its first period not billed), moved to free, then to pro: the period had basic's
    # credits all along, so pro costs 99 less basic's 19, as the upgrade straight from basic does.
    assert await bill_after(sessions, "basic", ["free", "pro"], renewed=False) == Decimal("80")
    assert await bill_after(sessions, "basic", ["pro"], renewed=False) == Decimal("80")
    # A period entered by a renewal on basic was billed 19 then: 99 in all, the price of pro.
    assert await bill_after(sessions, "basic", ["free", "pro"], renewed=True) == Decimal("99")
    assert await bill_after(sessions, "basic", ["pro"], renewed=True) == Decimal("99")


async def test_the_bill_for_an_upgrade_says_what_the_period_was_covered_for(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await new_tenant(sessions, "down-up", "basic")
    await change(sessions, tenant_id, "free")

    done = await change(sessions, tenant_id, "pro")

    (upgrade,) = await billed(sessions, tenant_id)
    assert (done.billed, upgrade.amount) == (Decimal("80"), Decimal("80.00"))
    # It names the free plan it came from, so it says why it is not pro's whole price.
    assert upgrade.description is not None
    assert upgrade.description.startswith("Free to Pro plan, upgrade within the period from ")
    assert upgrade.description.endswith(": 99.00 less the 19.00 the period was covered for")


async def test_up_and_back_bills_the_upgrade_once_and_down_and_back_bills_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # basic -> pro -> basic held pro for a while (and kept its credits): the upgrade's 80, once.
    assert await bill_after(sessions, "basic", ["pro", "basic"], renewed=False) == Decimal("80")
    back_and_forth = ["pro", "basic", "pro", "basic"]
    assert await bill_after(sessions, "basic", back_and_forth, renewed=False) == Decimal("80")
    # pro -> basic -> pro never went above pro: what staying on pro bills (nothing in the first
    # period, the renewal's 99 in a renewed one).
    assert await bill_after(sessions, "pro", ["basic", "pro"], renewed=False) == Decimal("0")
    assert await bill_after(sessions, "pro", ["basic", "free", "pro"], renewed=True) == Decimal("99")
    # Up in two steps costs what one step to the top costs.
    assert await bill_after(sessions, "basic", ["pro", "enterprise"], renewed=False) == Decimal("480")
    assert await bill_after(sessions, "basic", ["enterprise"], renewed=False) == Decimal("480")


@dataclass
class Held:
    """What the model of the rules knows of one period: the plans it had, its status and its bill."""

    plans: set[str] = field(default_factory=set)
    status: str = "active"


# A history: the plan the tenant is created on, its subscription's status, and changes, each some days
# (0 to 40, so a history crosses period ends, skips periods and makes several changes in one) after the
# one before.
STEPS = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(CODES)), min_size=1, max_size=6)


@PROPERTIES
@given(
    first=st.sampled_from(CODES),
    status=st.sampled_from(["active", "active", "trialing", "past_due"]),
    trial_days=st.integers(1, 80),
    steps=STEPS,
)
async def test_every_period_is_billed_its_largest_plan_less_what_it_was_covered_for(
    sessions: async_sessionmaker[AsyncSession],
    first: str,
    status: str,
    trial_days: int,
    steps: list[tuple[int, str]],
) -> None:
    plans = await seeded_plans(sessions)
    tenant_id = await new_tenant(sessions, f"prop-{next(_slugs)}", first)
    origin = (await account(sessions, tenant_id)).period_start
    trial_end = origin + timedelta(days=trial_days)
    if status != "active":
        await set_subscription(sessions, tenant_id, status=status, trial_ends_at=trial_end)

    periods: dict[int, Held] = defaultdict(Held)
    periods[0] = Held({first}, status)
    current, at = first, origin
    for days, code in steps:
        at += timedelta(days=days, minutes=1)
        index = int((at - origin) / PERIOD)
        # Each period the change reaches or passes was entered on the plan held then; a trial whose end
        # has come renews as active.
        for passed in range(1, index + 1):
            if not periods[passed].plans:
                start = origin + PERIOD * passed
                renewed = "active" if status == "trialing" and trial_end <= start else status
                periods[passed] = Held({current}, renewed)
        await change(sessions, tenant_id, code, now=at)
        periods[index].plans.add(code)
        current = code

    for index, held in sorted(periods.items()):
        start = origin + PERIOD * index
        bill = await period_bill(sessions, tenant_id, start)
        largest = max(Decimal(plans[code].price) for code in held.plans)
        # Never more than the dearest plan the period had, and exactly what the rule says.
        assert bill <= largest
        if held.status != "active":
            expected = Decimal("0")
        elif index == 0:
            expected = largest - Decimal(plans[first].price)
        else:
            expected = largest
        assert bill == expected, (index, held, steps)

    # The current period has the credits of the largest plan it had (past due: none added).
    last_index = max(periods)
    last = periods[last_index]
    found = await account(sessions, tenant_id)
    assert found.period_start == origin + PERIOD * last_index
    if last.status == "past_due":
        plan_credits = plans[first].credits_per_period if last_index == 0 else 0
    else:
        plan_credits = max(plans[code].credits_per_period for code in last.plans)
    assert (found.period_plan_credits, found.balance) == (plan_credits, plan_credits)
    await assert_ledger_adds_up(sessions, tenant_id)


@PROPERTIES
@given(first=st.sampled_from(CODES), other=st.sampled_from(CODES), renewed=st.booleans())
async def test_going_to_a_plan_and_back_bills_what_going_to_it_bills(
    sessions: async_sessionmaker[AsyncSession], first: str, other: str, renewed: bool
) -> None:
    there = await bill_after(sessions, first, [other], renewed=renewed)
    back = await bill_after(sessions, first, [other, first], renewed=renewed)
    stayed = await bill_after(sessions, first, [], renewed=renewed)

    assert back == there
    plans = await seeded_plans(sessions)
    if plans[other].credits_per_period <= plans[first].credits_per_period:
        # Down and back again: what staying on the first plan bills.
        assert back == stayed
