"""Small dialect-aware statement helpers shared by the query modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models.declarative import TenantOwned

Row = TypeVar("Row")
Owned = TypeVar("Owned", bound=TenantOwned)


def table(model: type[Any]) -> Table:
    """A model's table, for Core statements on the hot path (no ORM bookkeeping, compiled once)."""
    return cast(Table, model.__table__)


def insert_ignoring_conflicts(session: AsyncSession, model: type[Any]) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING on either database (a retried write becomes a no-op).

    The statement carries no values: pass each row as the execute parameters. It is built once per
    model and dialect and compiled once (a statement with inline values has no cache key, so SQLAlchemy
    would compile it again on every execution).
    """
    dialect = session.get_bind().dialect.name
    key = (dialect, model)
    statement = _INSERTS_IGNORING.get(key)
    if statement is None:
        # On the table: a Core statement, whose result counts the rows it inserted.
        statement = _INSERTS_IGNORING[key] = _insert_ignoring(dialect, table(model))
    return statement


_INSERTS_IGNORING: dict[tuple[str, type[Any]], Insert] = {}


def _insert_ignoring(dialect: str, rows_of: Table) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(rows_of).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(rows_of).on_conflict_do_nothing()
    raise NotImplementedError(f"no insert-ignore for {dialect}")


async def insert_ignoring_each(
    session: AsyncSession, model: type[Any], rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert rows one statement each (compiled once), skipping any already there; returns the count new.

    One execution per row, not an executemany: both drivers report the rows a single execution inserted.
    """
    statement = insert_ignoring_conflicts(session, model)
    inserted = 0
    for row in rows:
        result = await session.execute(statement, dict(row))
        inserted += max(getattr(result, "rowcount", 0), 0)
    return inserted


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_or_get(
    session: AsyncSession, model: type[Row], row: Mapping[str, Any], key: tuple[str, ...]
) -> Row:
    """The row whose ``key`` columns equal ``row``'s, inserted from ``row`` first if missing (safe when
    two writers race).

    Looked up first: the row is there on every visit but the first, and then no INSERT is tried. The
    lookup is built once per model and key and compiled once.
    """
    lookup = _lookup(model, key)
    params = {f"key_{column}": row[column] for column in key}
    found = await session.scalar(lookup, params)
    if found is not None:
        return cast(Row, found)
    await session.execute(insert_ignoring_conflicts(session, model), dict(row))
    found = await session.scalar(lookup, params)
    if found is None:
        raise LookupError(f"{model.__name__} row vanished right after it was inserted")
    return cast(Row, found)


def _lookup(model: type[Any], key: tuple[str, ...]) -> Select[Any]:
    statement = _LOOKUPS.get((model, key))
    if statement is None:
        columns = table(model).c
        statement = _LOOKUPS[(model, key)] = select(model).where(
            *(columns[column] == bindparam(f"key_{column}") for column in key)
        )
    return statement


_LOOKUPS: dict[tuple[type[Any], tuple[str, ...]], Select[Any]] = {}


async def get_owned(
    session: AsyncSession, model: type[Owned], tenant_id: int, row_id: int, *, for_update: bool = False
) -> Owned | None:
    """The tenant's row with this id, or None: another tenant's id finds nothing (the one get by id).

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite's write transactions
    already exclude each other), for a read-check-write such as an ``If-Match`` edit.
    The query is built once per model and compiled once; each call only binds the two values.
    """
    statement = _OWNED_GETS.get((model, for_update))
    if statement is None:
        statement = select(model).where(
            model.tenant_id == bindparam("owner_tenant_id"), model.id == bindparam("owned_row_id")
        )
        if for_update:
            statement = statement.with_for_update()
        _OWNED_GETS[(model, for_update)] = statement
    return cast(
        Owned | None,
        await session.scalar(statement, {"owner_tenant_id": tenant_id, "owned_row_id": row_id}),
    )


_OWNED_GETS: dict[tuple[type[Any], bool], Select[Any]] = {}
