"""The one claim-with-lease shape every durable queue uses (inbound events, the outbox, notifications).

A row is claimable when it is ``pending`` and due, or when it is being worked on but its lease has
expired (its worker died or stalled). Claiming counts the attempt at once, so a row that keeps killing
its worker still reaches the attempt limit: a claimable row that has already had ``max_attempts``
attempts is parked as ``failed`` instead of being claimed again. Each claim gets a fresh lock token;
renewing the lease and finishing are guarded by it, so an attempt whose lease was taken over can change
nothing. A process that stops gracefully releases what it could not finish: pending again at once, the
attempt given back. On PostgreSQL every time the lease logic compares or sets comes from the database's
clock (``now()``), so processes on hosts with skewed clocks agree; SQLite is embedded, one host, one clock.

Claims are the one kind of query here that spans tenants: a worker serves every tenant's queue. What
follows a claim (renew, finish) is scoped by the claimed row's tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Update, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import InboundEvent, OutboxItem, WebhookDelivery
from storage.models.declarative import UTCDateTime
from storage.sql import is_postgresql, table

Row = TypeVar("Row", InboundEvent, OutboxItem, WebhookDelivery)


@dataclass(frozen=True)
class LeasedQueue(Generic[Row]):
    """How one queue table spells the parts of the lease protocol."""

    model: type[Row]
    due_at: InstrumentedAttribute[datetime]
    working: str
    error: InstrumentedAttribute[str | None]


INBOX: LeasedQueue[InboundEvent] = LeasedQueue(
    InboundEvent, InboundEvent.available_at, "processing", InboundEvent.error
)
OUTBOX: LeasedQueue[OutboxItem] = LeasedQueue(
    OutboxItem, OutboxItem.next_attempt_at, "sending", OutboxItem.last_error
)
NOTIFICATIONS: LeasedQueue[WebhookDelivery] = LeasedQueue(
    WebhookDelivery, WebhookDelivery.next_attempt_at, "sending", WebhookDelivery.last_error
)


@dataclass(frozen=True)
class Claimed(Generic[Row]):
    """Rows claimed by one call (read before the claim: add one to their ``attempts``) and rows parked."""

    rows: list[Row]
    lock_token: str
    parked: list[Row]


def db_clock(session: AsyncSession, now: datetime) -> ColumnElement[datetime]:
    """The time leases are measured by: the database's ``now()`` on PostgreSQL, ``now`` on SQLite."""
    if is_postgresql(session):
        return func.now()
    return literal(now, UTCDateTime())


def db_time_after(session: AsyncSession, now: datetime, seconds: float) -> ColumnElement[datetime]:
    """``seconds`` after the lease clock's present (for due times and lease ends)."""
    if is_postgresql(session):
        return db_clock(session, now) + timedelta(seconds=seconds)
    return literal(now + timedelta(seconds=seconds), UTCDateTime())


def claimable(session: AsyncSession, queue: LeasedQueue[Any], now: datetime) -> ColumnElement[bool]:
    """Pending and due, or being worked on under an expired lease."""
    clock = db_clock(session, now)
    m = queue.model
    return or_(
        and_(m.status == "pending", queue.due_at <= clock),
        and_(m.status == queue.working, m.locked_until < clock),
    )


def lease_alive(session: AsyncSession, queue: LeasedQueue[Any], now: datetime) -> ColumnElement[bool]:
    m = queue.model
    return and_(m.status == queue.working, m.locked_until >= db_clock(session, now))


async def claim(
    session: AsyncSession,
    queue: LeasedQueue[Row],
    *,
    now: datetime,
    lease_seconds: float,
    max_attempts: int,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    exclude_ids: Collection[int] = (),
    choose: Callable[[Sequence[Row]], Sequence[Row]] | None = None,
    parked_error: str = "gave up: every attempt ended without a result",
) -> Claimed[Row]:
    """Claim up to ``limit`` rows, oldest first (commit afterwards).

    ``where`` narrows the candidates; ``exclude_ids`` are rows this process is already working on
    (never claimed twice, even if their lease ran out); ``choose`` picks among the candidates (the
    inbox takes one per conversation). Candidates over the attempt limit are parked as ``failed``.
    """
    m = queue.model
    query = select(m).where(claimable(session, queue, now), *where)
    if exclude_ids:
        query = query.where(m.id.not_in(list(exclude_ids)))
    query = query.order_by(m.id).limit(max(limit, 1) * 2)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=m)
    candidates: Sequence[Row] = (await session.scalars(query)).all()
    if choose is not None:
        candidates = choose(candidates)
    parked = [row for row in candidates if row.attempts >= max_attempts]
    rows = [row for row in candidates if row.attempts < max_attempts][:limit]
    token = uuid.uuid4().hex
    if parked:
        await session.execute(
            update(m)
            .where(m.id.in_([row.id for row in parked]))
            .values(
                {
                    m.status: "failed",
                    m.locked_until: None,
                    m.lock_token: None,
                    queue.error: f"{parked_error} ({max_attempts} attempts)",
                    m.updated_at: now,
                }
            )
            .execution_options(synchronize_session=False)
        )
    if rows:
        await session.execute(
            update(m)
            .where(m.id.in_([row.id for row in rows]))
            .values(
                status=queue.working,
                locked_until=db_time_after(session, now, lease_seconds),
                lock_token=token,
                attempts=m.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return Claimed(list(rows), token, parked)


async def finish(
    session: AsyncSession,
    queue: LeasedQueue[Any],
    *,
    row_id: int,
    tenant_id: int,
    lock_token: str,
    values: dict[Any, Any],
) -> bool:
    """Update a row this attempt still holds; False if its lease was taken over (nothing changes)."""
    return await run_held(
        session, held_update(queue, values), row_id=row_id, tenant_id=tenant_id, lock_token=lock_token
    )


def held_update(queue: LeasedQueue[Any], values: Mapping[Any, Any]) -> Update:
    """An UPDATE of a row only while this attempt holds it, for ``run_held``.

    It binds the row by ``row_id``, ``row_tenant_id`` and ``row_lock_token``, so a hot path builds it
    once and runs it with the parameters of each attempt. Its ``values`` may bind more, by names that are
    not the table's columns (a parameter named after a column would be read as a value to set).
    """
    leased = table(queue.model)
    return (
        update(leased)
        .where(
            leased.c.id == bindparam("row_id"),
            leased.c.tenant_id == bindparam("row_tenant_id"),
            leased.c.lock_token == bindparam("row_lock_token"),
            leased.c.status == queue.working,
        )
        .values(values)
    )


async def run_held(
    session: AsyncSession,
    statement: Update,
    *,
    row_id: int,
    tenant_id: int,
    lock_token: str,
    params: Mapping[str, Any] | None = None,
) -> bool:
    """Run a ``held_update``; False if the lease was taken over (nothing changes)."""
    result = await session.execute(
        statement,
        {"row_id": row_id, "row_tenant_id": tenant_id, "row_lock_token": lock_token, **(params or {})},
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _still_held(queue: LeasedQueue[Any], held: Collection[tuple[int, str]]) -> list[ColumnElement[bool]]:
    """Rows among ``held`` (``(id, lock token)`` each) still worked on under those tokens."""
    m = queue.model
    return [
        m.id.in_([row_id for row_id, _ in held]),
        m.lock_token.in_({token for _, token in held}),
        m.status == queue.working,
    ]


async def retry_later(
    session: AsyncSession,
    queue: LeasedQueue[Any],
    *,
    row_id: int,
    tenant_id: int,
    lock_token: str,
    error: str,
    delay_seconds: float,
    now: datetime,
) -> bool:
    """Put a row this attempt holds back to ``pending``, due after ``delay_seconds`` (lease clock)."""
    return await finish(
        session,
        queue,
        row_id=row_id,
        tenant_id=tenant_id,
        lock_token=lock_token,
        values={
            queue.model.status: "pending",
            queue.due_at: db_time_after(session, now, delay_seconds),
            queue.model.locked_until: None,
            queue.error: error,
            queue.model.updated_at: now,
        },
    )


async def renew(
    session: AsyncSession,
    queue: LeasedQueue[Any],
    held: Collection[tuple[int, str]],
    *,
    lease_seconds: float,
    now: datetime,
) -> set[int]:
    """Extend the leases of the rows this process holds, ``(id, lock token)`` each, in one statement.

    Returns the ids whose lease was extended; a row whose token changed (taken over) is left alone.
    Like the claim, one renewal spans the tenants whose work this process runs.
    """
    if not held:
        return set()
    m = queue.model
    result = await session.execute(
        update(m)
        .where(*_still_held(queue, held))
        .values(locked_until=db_time_after(session, now, lease_seconds))
        .returning(m.id, m.lock_token)
        .execution_options(synchronize_session=False)
    )
    tokens = dict(held)
    return {row_id for row_id, token in result.all() if tokens.get(row_id) == token}


async def release(
    session: AsyncSession,
    queue: LeasedQueue[Any],
    held: Collection[tuple[int, str]],
    *,
    now: datetime,
) -> set[int]:
    """Give back rows this process holds but will not finish (it is stopping), ``(id, lock token)`` each.

    They are ``pending`` again, due as they were (so claimable at once, by this process's successor or
    another one), and the attempt their claim counted is given back: a stop is not the row's failure.
    An attempt that kills its process is never released, so it still counts. Returns the ids released;
    a row whose token changed (taken over, or finished meanwhile) is left alone. Like the renewal, one
    release spans the tenants whose work this process runs.
    """
    if not held:
        return set()
    m = queue.model
    result = await session.execute(
        update(m)
        .where(*_still_held(queue, held))
        .values(
            {
                m.status: "pending",
                m.locked_until: None,
                m.lock_token: None,
                m.attempts: case((m.attempts > 0, m.attempts - 1), else_=0),
                m.updated_at: now,
            }
        )
        .returning(m.id)
        .execution_options(synchronize_session=False)
    )
    # Every token in ``held`` is this process's own, so any row still carrying one is ours to give back.
    return set(result.scalars().all())
