"""Rate-limit counters in the database, and the plan rates they are held to.

Each count is one atomic statement on one row (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), never
a read followed by a write: two processes counting into the same window are ordered by the row's lock
(PostgreSQL) or by the one writer (SQLite), and the second sees the first's count. So two processes can
never both take a window's last slot. The window (its start, its end) is the caller's to compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models import Plan, RateLimitCounter, Subscription
from storage.sql import is_postgresql, table

# A subscription in these states keeps its plan's rates (past_due too: payment is being retried, and
# credits, not rates, stop the spending); a canceled one does not.
LIVE_SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due")

_COUNTERS = table(RateLimitCounter)
_KEY = ("tenant_id", "scope", "subject_id", "kind", "window_start")
# The limited count's bind for the limit (not a column name: those are the row's values).
LIMIT_PARAMETER = "hit_limit"


@dataclass(frozen=True)
class CounterWindow:
    """One counter's window: whose (scope and subject), which kind, and when it starts and ends."""

    scope: str
    subject_id: int
    kind: str
    start: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PlanRates:
    """How many LLM turns a plan allows a tenant per minute and per hour."""

    per_minute: int
    per_hour: int


async def take_slot(
    session: AsyncSession, *, tenant_id: int, window: CounterWindow, limit: int, now: datetime
) -> int | None:
    """Count one hit in ``window`` if it holds fewer than ``limit``: the count after it, or None when full.

    A full window is left as it is (the refused hit takes nothing).
    """
    if limit <= 0:
        return None
    row = {**_row(tenant_id, window, now), LIMIT_PARAMETER: limit}
    result = await session.execute(_upsert(session, limited=True), row)
    return result.scalar_one_or_none()


async def count_hit(session: AsyncSession, *, tenant_id: int, window: CounterWindow, now: datetime) -> int:
    """Count one hit in ``window`` whatever it holds already; the count after it."""
    result = await session.execute(_upsert(session, limited=False), _row(tenant_id, window, now))
    return int(result.scalar_one())


async def give_back(session: AsyncSession, *, tenant_id: int, window: CounterWindow, now: datetime) -> bool:
    """Undo one hit in ``window`` (never below zero); False when there was none to undo."""
    statement = (
        update(RateLimitCounter)
        .where(_is_window(tenant_id, window), RateLimitCounter.hits > 0)
        .values(hits=RateLimitCounter.hits - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def hits_in(session: AsyncSession, *, tenant_id: int, window: CounterWindow) -> int:
    """How many hits ``window`` holds (0 when it has none yet, or was cleaned up)."""
    found = await session.scalar(select(RateLimitCounter.hits).where(_is_window(tenant_id, window)))
    return found or 0


async def delete_expired(session: AsyncSession, *, tenant_id: int, before: datetime, limit: int) -> int:
    """Delete at most ``limit`` of the tenant's windows that ended before ``before``; how many went.

    On PostgreSQL rows another transaction holds are skipped, not waited for: two cleanups running at
    once never wait on (or deadlock with) each other, and what one skips the next takes.
    """
    doomed = (
        select(RateLimitCounter.id)
        .where(RateLimitCounter.tenant_id == tenant_id, RateLimitCounter.expires_at < before)
        .order_by(RateLimitCounter.expires_at)
        .limit(limit)
    )
    if is_postgresql(session):
        doomed = doomed.with_for_update(skip_locked=True)
    statement = (
        delete(RateLimitCounter)
        .where(RateLimitCounter.id.in_(doomed.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0))


async def subscribed_plan_rates(session: AsyncSession, tenant_id: int) -> PlanRates | None:
    """The rates of the plan of the tenant's newest live subscription, or None when it has none."""
    row = (
        await session.execute(
            select(Plan.requests_per_minute, Plan.requests_per_hour)
            .join(Subscription, Subscription.plan_id == Plan.id)
            .where(
                Subscription.tenant_id == tenant_id,
                Subscription.status.in_(LIVE_SUBSCRIPTION_STATUSES),
            )
            .order_by(Subscription.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else PlanRates(per_minute=row[0], per_hour=row[1])


async def plan_rates(session: AsyncSession, code: str) -> PlanRates | None:
    """The rates of the plan with this code (free, basic, pro, enterprise), or None if it is not there."""
    row = (
        await session.execute(
            select(Plan.requests_per_minute, Plan.requests_per_hour).where(Plan.code == code)
        )
    ).first()
    return None if row is None else PlanRates(per_minute=row[0], per_hour=row[1])


def _is_window(tenant_id: int, window: CounterWindow) -> ColumnElement[bool]:
    return (
        (RateLimitCounter.tenant_id == tenant_id)
        & (RateLimitCounter.scope == window.scope)
        & (RateLimitCounter.subject_id == window.subject_id)
        & (RateLimitCounter.kind == window.kind)
        & (RateLimitCounter.window_start == window.start)
    )


def _row(tenant_id: int, window: CounterWindow, now: datetime) -> dict[str, Any]:
    """The window's row as the counting statement inserts it (its execute parameters)."""
    return {
        "tenant_id": tenant_id,
        "scope": window.scope,
        "subject_id": window.subject_id,
        "kind": window.kind,
        "window_start": window.start,
        "expires_at": window.expires_at,
        "hits": 1,
        "created_at": now,
        "updated_at": now,
    }


def _upsert(session: AsyncSession, *, limited: bool) -> Insert:
    """The counting statement, built once per dialect and kind and compiled once (no inline values).

    Inserts the window's row (the execute parameters, with one hit), or adds one to the row there;
    ``limited``, only while the row holds fewer hits than the limit bind, and then a full window
    returns no row.
    """
    dialect = session.get_bind().dialect.name
    key = (dialect, limited)
    statement = _UPSERTS.get(key)
    if statement is None:
        statement = _UPSERTS[key] = _build_upsert(dialect, limited=limited)
    return statement


_UPSERTS: dict[tuple[str, bool], Insert] = {}


def _build_upsert(dialect: str, *, limited: bool) -> Insert:
    if dialect == "postgresql":
        insert: Any = postgresql.insert(_COUNTERS)
    elif dialect == "sqlite":
        insert = sqlite.insert(_COUNTERS)
    else:
        raise NotImplementedError(f"no rate-limit counter for {dialect}")
    hits = _COUNTERS.c.hits
    statement: Insert = insert.on_conflict_do_update(
        index_elements=[_COUNTERS.c[name] for name in _KEY],
        set_={"hits": hits + 1, "updated_at": insert.excluded.updated_at},
        where=(hits < bindparam(LIMIT_PARAMETER, type_=Integer())) if limited else None,
    ).returning(hits)
    return statement
