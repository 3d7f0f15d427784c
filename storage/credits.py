"""Credit accounts and their append-only ledger: each change of an account is one atomic statement.

Every statement that changes an account is a single conditional UPDATE returning the balances it left,
so two writers never both spend the same credit: a hold is taken only ``WHERE balance - reserved >=
credits`` (never read, then written), and the schema refuses a balance below zero or below its holds.
The caller writes the ledger row for each change in the same transaction (``append``), with the
balances the UPDATE returned. On PostgreSQL the UPDATE locks the account row until the transaction
ends; on SQLite every write transaction holds the database's one write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CreditAccount, CreditTransaction
from storage.models.declarative import UTCDateTime
from storage.sql import table

_accounts = table(CreditAccount)
_ledger = table(CreditTransaction)

_RETURNED = (
    _accounts.c.id,
    _accounts.c.balance,
    _accounts.c.reserved,
    _accounts.c.period_start,
    _accounts.c.period_used,
)


@dataclass(frozen=True)
class Balances:
    """An account as one statement left it."""

    account_id: int
    balance: int
    reserved: int
    period_start: datetime
    period_used: int

    @property
    def available(self) -> int:
        return self.balance - self.reserved


def period_stamp(moment: datetime) -> str:
    """A period's start as it appears in idempotency keys: UTC to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _balances(row: Row[Any] | None) -> Balances | None:
    if row is None:
        return None
    return Balances(row.id, row.balance, row.reserved, row.period_start, row.period_used)


# Bind parameters are not named like columns: such a name is reserved in an UPDATE's SET.
_TENANT = bindparam("account_tenant_id", type_=BigInteger())
_NOW = bindparam("at_time", type_=UTCDateTime())

_HOLD = (
    update(_accounts)
    .where(
        _accounts.c.tenant_id == _TENANT,
        _accounts.c.balance - _accounts.c.reserved >= bindparam("hold_credits"),
        # A period that is over is refilled first (bot/billing/credit_periods.py), then held from.
        _accounts.c.period_end > _NOW,
    )
    .values(reserved=_accounts.c.reserved + bindparam("hold_credits"), updated_at=_NOW)
    .returning(*_RETURNED)
)

# Give back ``held`` and charge ``charged``: valid whenever charged <= held (the caller's case) or held is
# 0 and charged <= balance - reserved; the schema's checks refuse anything else.
_SETTLE = (
    update(_accounts)
    .where(_accounts.c.tenant_id == _TENANT)
    .values(
        balance=_accounts.c.balance - bindparam("charged_credits"),
        reserved=_accounts.c.reserved - bindparam("held_credits"),
        period_used=_accounts.c.period_used + bindparam("charged_credits"),
        used_total=_accounts.c.used_total + bindparam("charged_credits"),
        updated_at=_NOW,
    )
    .returning(*_RETURNED)
)


async def hold(session: AsyncSession, tenant_id: int, credits: int, now: datetime) -> Balances | None:
    """Reserve ``credits`` if the account has them free in a current period; None otherwise."""
    result = await session.execute(
        _HOLD, {"account_tenant_id": tenant_id, "hold_credits": credits, "at_time": now}
    )
    return _balances(result.one_or_none())


async def settle(
    session: AsyncSession, tenant_id: int, *, held: int, charged: int, now: datetime
) -> Balances | None:
    """Give back ``held`` reserved credits and take ``charged`` from the balance, in one statement."""
    result = await session.execute(
        _SETTLE,
        {"account_tenant_id": tenant_id, "held_credits": held, "charged_credits": charged, "at_time": now},
    )
    return _balances(result.one_or_none())


async def add(
    session: AsyncSession,
    tenant_id: int,
    delta: int,
    *,
    now: datetime,
    purchased: bool = False,
) -> Balances | None:
    """Add ``delta`` credits (negative: take them, never below the holds). None: no account, or too few.

    ``purchased`` counts them in ``purchased_total``.
    """
    a = _accounts.c
    values: dict[str, Any] = {"balance": a.balance + delta, "updated_at": now}
    if purchased:
        values["purchased_total"] = a.purchased_total + delta
    query = update(_accounts).where(a.tenant_id == tenant_id)
    if delta < 0:
        query = query.where(a.balance - a.reserved >= -delta)
    result = await session.execute(query.values(values).returning(*_RETURNED))
    return _balances(result.one_or_none())


async def add_overage(
    session: AsyncSession,
    tenant_id: int,
    *,
    period_start: datetime,
    overage_before: int,
    credits: int,
    now: datetime,
) -> Balances | None:
    """Add an overage block; None if the period or its overage changed since read (another writer added one).

    Compare-and-set on the period's start and overage, so two turns short of credits add one block.
    """
    a = _accounts.c
    result = await session.execute(
        update(_accounts)
        .where(a.tenant_id == tenant_id, a.period_start == period_start, a.period_overage == overage_before)
        .values(
            balance=a.balance + credits,
            purchased_total=a.purchased_total + credits,
            period_overage=a.period_overage + credits,
            updated_at=now,
        )
        .returning(*_RETURNED)
    )
    return _balances(result.one_or_none())


async def add_plan_credits(
    session: AsyncSession, tenant_id: int, *, period_start: datetime, credits: int, now: datetime
) -> Balances | None:
    """Add plan credits to the period that began at ``period_start`` (they expire at its end like its
    refill); None if the account is in another period by now. Compare-and-set on the period's start."""
    a = _accounts.c
    result = await session.execute(
        update(_accounts)
        .where(a.tenant_id == tenant_id, a.period_start == period_start)
        .values(
            balance=a.balance + credits,
            period_plan_credits=a.period_plan_credits + credits,
            updated_at=now,
        )
        .returning(*_RETURNED)
    )
    return _balances(result.one_or_none())


async def lock_account(session: AsyncSession, tenant_id: int, now: datetime) -> CreditAccount | None:
    """The tenant's account, locked for this transaction (a write that changes nothing but the time).

    Writing first takes the lock before anything is read: on PostgreSQL the row lock, on SQLite the
    write lock. An operator's grant checks its idempotency key under it.
    """
    found = await session.execute(
        update(_accounts)
        .where(_accounts.c.tenant_id == tenant_id)
        .values(updated_at=now)
        .returning(_accounts.c.id)
    )
    if found.one_or_none() is None:
        return None
    return await account_of(session, tenant_id)


async def account_of(session: AsyncSession, tenant_id: int) -> CreditAccount | None:
    account = await session.scalar(
        select(CreditAccount)
        .where(CreditAccount.tenant_id == tenant_id)
        .execution_options(populate_existing=True)
    )
    return account


async def roll_period(
    session: AsyncSession,
    tenant_id: int,
    *,
    old_start: datetime,
    new_start: datetime,
    new_end: datetime,
    expired: int,
    refill: int,
    now: datetime,
) -> Balances | None:
    """Move the account from the period that began at ``old_start`` to the next; None if it moved already.

    Compare-and-set on ``period_start``: of two writers rolling the same period, one does.
    """
    a = _accounts.c
    result = await session.execute(
        update(_accounts)
        .where(a.tenant_id == tenant_id, a.period_start == old_start, a.balance - a.reserved >= expired)
        .values(
            balance=a.balance - expired + refill,
            expired_total=a.expired_total + expired,
            period_start=new_start,
            period_end=new_end,
            period_used=0,
            period_plan_credits=refill,
            period_overage=0,
            updated_at=now,
        )
        .returning(*_RETURNED)
    )
    return _balances(result.one_or_none())


async def append(
    session: AsyncSession,
    *,
    tenant_id: int,
    after: Balances,
    kind: str,
    key: str,
    now: datetime,
    delta: int = 0,
    reserved_delta: int = 0,
    inbound_event_id: int | None = None,
    message_id: int | None = None,
    description: str | None = None,
) -> int:
    """Write one ledger row (its id): the change and the balances it left."""
    row_id = await session.scalar(
        insert(_ledger)
        .values(
            tenant_id=tenant_id,
            account_id=after.account_id,
            kind=kind,
            delta=delta,
            balance_after=after.balance,
            reserved_delta=reserved_delta,
            reserved_after=after.reserved,
            idempotency_key=key,
            inbound_event_id=inbound_event_id,
            message_id=message_id,
            description=description,
            created_at=now,
            updated_at=now,
        )
        .returning(_ledger.c.id)
    )
    assert row_id is not None
    return int(row_id)


async def transaction_by_key(session: AsyncSession, tenant_id: int, key: str) -> CreditTransaction | None:
    return await session.scalar(
        select(CreditTransaction).where(
            CreditTransaction.tenant_id == tenant_id, CreditTransaction.idempotency_key == key
        )
    )


async def ledger(session: AsyncSession, tenant_id: int, *, limit: int) -> list[CreditTransaction]:
    """The tenant's newest ledger rows first."""
    rows = await session.scalars(
        select(CreditTransaction)
        .where(CreditTransaction.tenant_id == tenant_id)
        .order_by(CreditTransaction.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def ledger_sums(session: AsyncSession, tenant_id: int) -> tuple[int, int]:
    """The sums of ``delta`` and ``reserved_delta`` over the tenant's ledger (its balance and holds)."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(CreditTransaction.delta), 0),
                func.coalesce(func.sum(CreditTransaction.reserved_delta), 0),
            ).where(CreditTransaction.tenant_id == tenant_id)
        )
    ).one()
    return int(row[0]), int(row[1])
