"""Keyset pagination, newest first: a page is the rows with an id below the last one seen, never a COUNT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")

MAX_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    # The id to continue below (the last row's), or None when this page was the last.
    next_before: int | None


async def newest_first(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[int],
    *,
    limit: int,
    before: int | None,
) -> Page[T]:
    """One page of ``statement`` (already scoped to a tenant by the caller) ordered by id, newest first.

    One row more than asked is read to know whether another page follows, so no COUNT is needed.
    """
    limit = max(1, min(limit, MAX_PAGE))
    if before is not None:
        statement = statement.where(id_column < before)
    rows: list[Any] = list(
        (await session.scalars(statement.order_by(id_column.desc()).limit(limit + 1))).all()
    )
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, int(getattr(rows[-1], id_column.key)))
