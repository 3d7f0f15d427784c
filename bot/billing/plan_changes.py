"""An operator moves a tenant to another plan: at once, with the current period kept whole and recorded.

`chatbot tenant set --plan CODE` comes here (the admin API keeps the plan read-only: a tenant does not
choose what it is billed). The change, in one transaction, after rolling a period that ended
(bot/billing/credit_periods.py), so that it applies to the current one:

1. **The subscription.** The current one ends now (``canceled``, its period ending at this moment) and a
   new one starts on the new plan with the same status, period and trial end. Every billing event keeps
   pointing at the subscription, and so at the plan, it was for.
2. **Limits.** From the next turn the new plan's rate limits and overage rule apply (both are read from
   the newest subscription on every turn; nothing caches them).
3. **Credits: a period keeps the largest plan it had.** An upgrade (the new plan gives more credits per
   period than the period's plan credits) adds the difference now, as plan credits: a ``refill`` ledger
   row keyed ``plan:<period start>:<code>``, expiring at the period's end like the period's refill. A
   downgrade takes nothing back and refunds nothing: the period keeps its credits, and from the next
   one the new plan refills. Switching down and up again within a period adds nothing twice.
4. **Money.** On an ``active`` subscription an upgrade bills the difference in price, as a
   ``subscription`` billing event with the same key: the new plan's price less what the period is
   already covered for, which is the price of the largest plan whose credits the period had (the plan
   it began on, or an earlier upgrade), or what it was billed, if more. The covered plan is read from
   the period's plan credits, not from the plan changed from, so going down before going up does not
   make the upgrade dearer. A period entered by a renewal is billed, in all, the price of the largest
   plan it had. The tenant's first period is not billed at creation but is covered for the plan the
   tenant was created on all the same: an upgrade costs the same difference then as in any later period,
   so that period is billed the largest plan's price less the first plan's. A ``trialing`` subscription
   gets the credits unbilled; a ``past_due`` or ``canceled`` one gets neither (as at a renewal), only
   the new plan for later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.credit_periods import REFILLING, roll_if_due
from bot.errors import AdminError
from storage import billing_records, credits, tenants
from storage.credits import period_stamp
from storage.models import Plan, Tenant


@dataclass(frozen=True)
class PlanChange:
    """What a plan change did, for the operator."""

    old_plan: str
    new_plan: str
    status: str
    # The current period's end: when the new plan's own refill and renewal come.
    period_end: datetime
    credits_added: int = 0
    billed: Decimal = Decimal("0")
    # The tenant was on this plan already: nothing changed.
    unchanged: bool = False


async def change_plan(session: AsyncSession, tenant: Tenant, plan_code: str, *, now: datetime) -> PlanChange:
    """Move the tenant to the plan ``plan_code`` from ``now`` (the module's docstring says what happens)."""
    plans = await tenants.list_plans(session)
    plan = next((p for p in plans if p.code == plan_code), None)
    if plan is None:
        raise AdminError(f"unknown plan {plan_code!r}; the plans are {', '.join(p.code for p in plans)}")
    # Locked first (the account row; SQLite: the write lock), so two changes of one tenant run in turn.
    account = await credits.lock_account(session, tenant.id, now)
    if account is None:
        raise AdminError(f"tenant {tenant.slug!r} has no credit account")
    await roll_if_due(session, tenant.id, now)
    account = await credits.account_of(session, tenant.id)
    terms = await billing_records.plan_terms(session, tenant.id)
    if account is None or terms is None:
        raise AdminError(f"tenant {tenant.slug!r} has no subscription")
    if terms.plan_code == plan.code:
        return PlanChange(terms.plan_code, plan.code, terms.status, account.period_end, unchanged=True)
    subscription_id = await billing_records.replace_subscription(
        session, tenant.id, terms, plan_id=plan.id, now=now
    )
    added = plan.credits_per_period - account.period_plan_credits
    if added <= 0 or terms.status not in REFILLING:
        return PlanChange(terms.plan_code, plan.code, terms.status, account.period_end)
    key = f"plan:{period_stamp(account.period_start)}:{plan.code}"
    after = await credits.add_plan_credits(
        session, tenant.id, period_start=account.period_start, credits=added, now=now
    )
    if after is None:
        raise AdminError(f"tenant {tenant.slug!r}'s credit period moved meanwhile; try again")
    await credits.append(
        session,
        tenant_id=tenant.id,
        after=after,
        kind="refill",
        delta=added,
        key=key,
        description=f"the {plan.name} plan's credits for the rest of the period (was {terms.plan_name})",
        now=now,
    )
    if terms.status != "active":
        return PlanChange(terms.plan_code, plan.code, terms.status, account.period_end, added)
    covered = max(
        _price_of_credits(plans, account.period_plan_credits),
        await billing_records.subscription_billed(session, tenant.id, period_start=account.period_start),
    )
    billed = max(Decimal("0"), Decimal(plan.price) - covered)
    if billed:
        await billing_records.add_billing_event(
            session,
            tenant_id=tenant.id,
            subscription_id=subscription_id,
            kind="subscription",
            amount=billed,
            credits=added,
            key=key,
            description=f"{terms.plan_name} to {plan.name} plan, upgrade within the period from "
            f"{account.period_start:%Y-%m-%d %H:%M} UTC: {Decimal(plan.price):.2f} less the "
            f"{covered:.2f} the period was covered for",
            period_start=account.period_start,
            period_end=account.period_end,
            now=now,
        )
    return PlanChange(terms.plan_code, plan.code, terms.status, account.period_end, added, billed)


def _price_of_credits(plans: Sequence[Plan], plan_credits: int) -> Decimal:
    """The price of the largest plan whose credits per period a period's plan credits cover (0: none)."""
    covered = [Decimal(p.price) for p in plans if p.credits_per_period <= plan_credits]
    return max(covered, default=Decimal("0"))
