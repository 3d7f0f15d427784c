"""Overage: a tenant whose plan allows it gets a block of credits, billed, instead of running out.

When a turn cannot reserve its credits and the plan has ``overage_allowed`` (and the subscription is
``active``: not a trial, not past due or canceled), the account gets a block of a tenth of the plan's
credits per period (at least what the turn needs), and a billing event ``overage`` records what it
costs: credits times the plan's ``overage_price_per_credit``, rounded to the cent. A period takes at
most the plan's own credits in overage (ten blocks); beyond that the turn takes the out-of-credits path.
Overage credits are bought credits: what is left of them rolls over into the next period.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from storage import billing_records, credits
from storage.credits import period_stamp

BLOCK_SHARE = 10  # a block is 1/BLOCK_SHARE of the plan's credits per period
_CENTS = Decimal("0.01")


def block_credits(credits_per_period: int, needed: int) -> int:
    return max(needed, credits_per_period // BLOCK_SHARE, 1)


def overage_amount(block: int, price_per_credit: Decimal) -> Decimal:
    return (price_per_credit * block).quantize(_CENTS, rounding=ROUND_HALF_UP)


async def add_overage_block(session: AsyncSession, tenant_id: int, needed: int, now: datetime) -> bool:
    """Give the tenant an overage block if its plan allows one now; True if a block was added (here or
    by another writer at the same moment), so the caller tries its reservation again."""
    terms = await billing_records.plan_terms(session, tenant_id)
    if terms is None or not terms.overage_allowed or terms.status != "active":
        return False
    account = await credits.account_of(session, tenant_id)
    if account is None or now >= account.period_end:
        return False
    block = block_credits(terms.credits_per_period, needed)
    if account.period_overage + block > terms.credits_per_period:
        return False
    key = f"overage:{period_stamp(account.period_start)}:{account.period_overage}"
    after = await credits.add_overage(
        session,
        tenant_id,
        period_start=account.period_start,
        overage_before=account.period_overage,
        credits=block,
        now=now,
    )
    if after is None:
        return True  # another turn added this block
    await credits.append(
        session,
        tenant_id=tenant_id,
        after=after,
        kind="grant",
        delta=block,
        key=key,
        description=f"overage block of {block} credits",
        now=now,
    )
    amount = overage_amount(block, terms.overage_price_per_credit)
    await billing_records.add_billing_event(
        session,
        tenant_id=tenant_id,
        subscription_id=terms.subscription_id,
        kind="overage",
        amount=amount,
        credits=block,
        key=key,
        description=f"{block} credits at {terms.overage_price_per_credit.normalize()} USD each",
        period_start=account.period_start,
        period_end=account.period_end,
        now=now,
    )
    return True
