"""Credit periods, rolled lazily: at a period's end the plan's unused credits expire and it refills.

Nothing runs at midnight: the first thing that needs the account after its period ended (a turn that
cannot reserve, an operator's grant or ``credits show``) rolls it, in that thing's transaction:

1. The plan credits the period's refill brought and no turn used expire (``expire`` row). Credits are
   spent plan credits first, so what is left beyond them was granted or bought, and rolls over.
2. The account moves to the period that contains now (periods of PERIOD, counted from the first one;
   periods nobody's turn reached are skipped: their plan credits would have expired unused).
3. The subscription moves with it. An ``active`` or ``trialing`` subscription refills the plan's credits
   (``refill`` row); a trial whose end has come becomes ``active``; ``past_due`` and ``canceled`` ones
   refill nothing. Each period an active subscription entered is billed the plan's price (a
   ``subscription`` billing event; a trial period is not billed).

The move is a compare-and-set on the period's start, and every row it writes has a key made of a period's
start, unique forever: two processes rolling at once roll once, and a clock that jumps back finds the
period already current (nothing happens) while one that jumps forward and back refills no period twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import billing_records, credits
from storage.billing_records import PlanTerms
from storage.credits import period_stamp
from storage.tenants import PERIOD

REFILLING = ("active", "trialing")
# A clock that jumped years ahead must not write years of renewals in one transaction.
MAX_BILLED_PERIODS = 36


async def roll_if_due(session: AsyncSession, tenant_id: int, now: datetime) -> bool:
    """Roll the tenant's account if its period is over; True if it moved (here or by another writer)."""
    account = await credits.account_of(session, tenant_id)
    if account is None or now < account.period_end:
        return False
    terms = await billing_records.plan_terms(session, tenant_id)
    starts = _period_starts(account.period_end, now)
    new_start = starts[-1]
    new_end = new_start + PERIOD
    status = _status_at(terms, new_start)
    refill = terms.credits_per_period if terms is not None and status in REFILLING else 0
    unused_plan_credits = max(0, account.period_plan_credits - account.period_used)
    expired = min(unused_plan_credits, account.balance - account.reserved)
    old_start = account.period_start
    after = await credits.roll_period(
        session,
        tenant_id,
        old_start=old_start,
        new_start=new_start,
        new_end=new_end,
        expired=expired,
        refill=refill,
        now=now,
    )
    if after is None:
        return True  # another writer rolled it first
    if expired:
        await credits.append(
            session,
            tenant_id=tenant_id,
            after=replace(after, balance=after.balance - refill),
            kind="expire",
            delta=-expired,
            key=f"period:{period_stamp(old_start)}:expire",
            description="the plan's unused credits of the period",
            now=now,
        )
    if refill:
        await credits.append(
            session,
            tenant_id=tenant_id,
            after=after,
            kind="refill",
            delta=refill,
            key=f"period:{period_stamp(new_start)}:refill",
            description=f"the {terms.plan_name if terms else ''} plan's credits for the period".strip(),
            now=now,
        )
    if terms is not None:
        await billing_records.move_subscription(
            session,
            tenant_id,
            terms.subscription_id,
            status=status,
            period_start=new_start,
            period_end=new_end,
            now=now,
        )
        await _bill_renewals(session, tenant_id, terms, starts, now)
    return True


def _period_starts(first: datetime, now: datetime) -> list[datetime]:
    """The starts of the periods from ``first`` to the one containing ``now`` (at most MAX_BILLED_PERIODS)."""
    elapsed = max(0, int((now - first) / PERIOD))
    skipped = max(0, elapsed - MAX_BILLED_PERIODS + 1)
    start = first + PERIOD * skipped
    starts = [start]
    while starts[-1] + PERIOD <= now:
        starts.append(starts[-1] + PERIOD)
    return starts


def _status_at(terms: PlanTerms | None, start: datetime) -> str:
    if terms is None:
        return "canceled"
    if terms.status == "trialing" and terms.trial_ends_at is not None and terms.trial_ends_at <= start:
        return "active"
    return terms.status


async def _bill_renewals(
    session: AsyncSession, tenant_id: int, terms: PlanTerms, starts: list[datetime], now: datetime
) -> None:
    for start in starts:
        if _status_at(terms, start) != "active":
            continue
        await billing_records.add_billing_event(
            session,
            tenant_id=tenant_id,
            subscription_id=terms.subscription_id,
            kind="subscription",
            amount=terms.price,
            credits=terms.credits_per_period,
            key=f"renewal:{period_stamp(start)}",
            description=f"{terms.plan_name} plan, period from {start:%Y-%m-%d %H:%M} UTC",
            period_start=start,
            period_end=start + PERIOD,
            now=now,
        )
