"""Operators' view of a tenant's credits: grant (bought or given credits), adjust, summary, history.

The CLI (`chatbot credits ...`) and, later, the admin API call these. A grant needs an idempotency key
of the caller's choosing (an order or ticket id): the same key again changes nothing and says so, the
same key with another amount is refused, so a retried or double-clicked grant adds its credits once.
Each action first rolls a period that ended (bot/billing/credit_periods.py), so what it shows and
changes is the current period's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.credit_periods import roll_if_due
from bot.errors import AdminError
from storage import billing_records, credits
from storage.models import BillingEvent, CreditNotice, CreditTransaction, Tenant

MAX_GRANT = 10_000_000
MAX_KEY_CHARS = 100


@dataclass(frozen=True)
class Granted:
    credits: int
    balance: int
    # The key was used before for the same change: nothing changed now.
    repeated: bool


@dataclass(frozen=True)
class CreditSummary:
    plan_code: str | None
    plan_name: str | None
    status: str | None
    trial_ends_at: datetime | None
    overage_allowed: bool
    period_start: datetime
    period_end: datetime
    balance: int
    reserved: int
    period_used: int
    period_plan_credits: int
    period_overage: int
    notices: tuple[CreditNotice, ...]
    billing: tuple[BillingEvent, ...]

    @property
    def available(self) -> int:
        return self.balance - self.reserved

    @property
    def period_credits(self) -> int:
        """What the period had to spend: its start balance plus what was added since."""
        return self.period_used + self.balance

    @property
    def billed(self) -> Decimal:
        return sum((event.amount for event in self.billing), Decimal("0"))


def _checked_key(key: str) -> str:
    cleaned = key.strip()
    if not cleaned:
        raise AdminError("an idempotency key is required (say, the order or ticket the credits are for)")
    if len(cleaned) > MAX_KEY_CHARS or any(ch.isspace() or ord(ch) < 32 for ch in cleaned):
        raise AdminError(f"the idempotency key must be 1-{MAX_KEY_CHARS} characters without spaces")
    return cleaned


async def grant(
    session: AsyncSession, tenant: Tenant, *, credits_added: int, key: str, note: str | None, now: datetime
) -> Granted:
    """Add bought or given credits (they roll over from period to period)."""
    if not 0 < credits_added <= MAX_GRANT:
        raise AdminError(f"credits must be a whole number from 1 to {MAX_GRANT}, got {credits_added}")
    return await _change(
        session, tenant, kind="grant", delta=credits_added, key=_checked_key(key), note=note, now=now
    )


async def adjust(
    session: AsyncSession, tenant: Tenant, *, delta: int, key: str, note: str, now: datetime
) -> Granted:
    """Correct the balance either way (never below the credits held by turns in flight)."""
    if delta == 0 or abs(delta) > MAX_GRANT:
        raise AdminError(f"an adjustment must be a non-zero whole number up to {MAX_GRANT} either way")
    if not note.strip():
        raise AdminError("an adjustment needs a reason")
    return await _change(
        session, tenant, kind="adjust", delta=delta, key=_checked_key(key), note=note, now=now
    )


async def _change(
    session: AsyncSession, tenant: Tenant, *, kind: str, delta: int, key: str, note: str | None, now: datetime
) -> Granted:
    # Locked first, so two grants with one key are checked one after the other.
    account = await credits.lock_account(session, tenant.id, now)
    if account is None:
        raise AdminError(f"tenant {tenant.slug!r} has no credit account")
    ledger_key = f"{kind}:{key}"
    earlier = await credits.transaction_by_key(session, tenant.id, ledger_key)
    if earlier is not None:
        if earlier.delta != delta:
            raise AdminError(
                f"key {key!r} was used for a {kind} of {earlier.delta} credits; "
                "use a new key for a different change"
            )
        return Granted(delta, account.balance, repeated=True)
    await roll_if_due(session, tenant.id, now)
    after = await credits.add(session, tenant.id, delta, now=now, purchased=kind == "grant")
    if after is None:
        raise AdminError(
            f"tenant {tenant.slug!r} has {account.balance - account.reserved} credits free; "
            f"cannot take {-delta}"
        )
    await credits.append(
        session,
        tenant_id=tenant.id,
        after=after,
        kind=kind,
        delta=delta,
        key=ledger_key,
        description=note,
        now=now,
    )
    return Granted(delta, after.balance, repeated=False)


async def summary(session: AsyncSession, tenant: Tenant, now: datetime) -> CreditSummary:
    """The tenant's plan, subscription and current period (rolled first if it ended)."""
    await roll_if_due(session, tenant.id, now)
    account = await credits.account_of(session, tenant.id)
    if account is None:
        raise AdminError(f"tenant {tenant.slug!r} has no credit account")
    terms = await billing_records.plan_terms(session, tenant.id)
    return CreditSummary(
        plan_code=terms.plan_code if terms else None,
        plan_name=terms.plan_name if terms else None,
        status=terms.status if terms else None,
        trial_ends_at=terms.trial_ends_at if terms else None,
        overage_allowed=terms.overage_allowed if terms else False,
        period_start=account.period_start,
        period_end=account.period_end,
        balance=account.balance,
        reserved=account.reserved,
        period_used=account.period_used,
        period_plan_credits=account.period_plan_credits,
        period_overage=account.period_overage,
        notices=tuple(await billing_records.notices(session, tenant.id, period_start=account.period_start)),
        billing=tuple(await billing_records.billing_events(session, tenant.id, since=account.period_start)),
    )


async def history(session: AsyncSession, tenant: Tenant, *, limit: int) -> list[CreditTransaction]:
    """The tenant's ledger, newest first."""
    if not 1 <= limit <= 10_000:
        raise AdminError("the limit must be from 1 to 10000")
    return await credits.ledger(session, tenant.id, limit=limit)
