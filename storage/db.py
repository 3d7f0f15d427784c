"""Database engine and session factory: SQLite pragmas (WAL, foreign keys) and the PostgreSQL pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import storage.config_versions  # noqa: F401 - registers the flush hook that bumps tenants.config_version
from storage import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY_OPTION = "chatbot_read_only"


class DatabaseUrlError(ValueError):
    """The database URL cannot be used (unparseable or an unsupported backend)."""


def normalise_url(raw: str) -> URL:
    """Accept the usual spellings and pick the async drivers (asyncpg, aiosqlite)."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")


def redacted(url: URL | str) -> str:
    """The URL as it may appear in logs and messages: never with its password."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # An inline connection waits for locks itself, without holding up the event loop.
    inline = isinstance(
        getattr(dbapi_connection, "driver_connection", None), sqlite_inline.InlineSQLiteConnection
    )
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={0 if inline else SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # pysqlite defers BEGIN until the first write, which lets two writers deadlock on lock upgrade;
    # taking the write lock up front makes concurrent writers queue on busy_timeout instead. Read-only
    # work takes no write lock: in WAL mode it reads a snapshot beside the writer.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN DEFERRED")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(raw_url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    # hide_parameters: a failed statement's error and the statement log show no values, so a customer's
    # words or a token in an INSERT never reach a log line or an error column.
    url = normalise_url(raw_url)
    if url.get_backend_name() == "sqlite":
        # One connection per process: SQLite admits one writer at a time anyway, and queueing on the
        # pool (an asyncio wait) is far cheaper than connections sleeping in SQLite's busy handler.
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=120,
            **_sqlite_connection_args(url),
        )
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", _on_sqlite_connect)

        @event.listens_for(sync_engine, "connect")
        def _disable_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself (see _on_sqlite_begin).
            dbapi_connection.isolation_level = None

        event.listen(sync_engine, "begin", _on_sqlite_begin)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
    )


def _sqlite_connection_args(url: URL) -> dict[str, Any]:
    """A file's connections run their calls in the event loop's thread (storage/sqlite_inline.py)."""
    database = url.database or ":memory:"
    if database == ":memory:":
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    # The same wait for a lock as SQLite's busy timeout gives the other connections.
    busy_seconds = SQLITE_BUSY_TIMEOUT_MS / 1000
    return {"async_creator": partial(sqlite_inline.connect, database, busy_seconds=busy_seconds)}


def create_read_engine(writer: AsyncEngine, *, pool_size: int = 2) -> AsyncEngine:
    """Where the hot path's read-only loads go: on SQLite, connections of their own beside the writer's.

    In WAL mode readers never wait for the writer, so the turns' loads need not queue for the one
    writing connection behind each other and ahead of the webhooks' inserts. On PostgreSQL the pool
    already has many connections: the writer's engine is returned.
    """
    if writer.dialect.name != "sqlite" or writer.url.database in (None, "", ":memory:"):
        return writer  # (an in-memory SQLite database exists only on its own connection)
    engine = create_async_engine(
        writer.url,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
        **_sqlite_connection_args(writer.url),
    )
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "connect", _read_only_connection)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _read_only_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # BEGIN comes from read_only() below, DEFERRED
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database does not answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error (cancellation included)."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def read_only(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work that only reads: no write lock on SQLite, a READ ONLY transaction on PostgreSQL.

    Any attempt to write in it fails on PostgreSQL. Closing the session ends the transaction; the rows
    read stay loaded (detached) for the caller.
    """
    async with sessions() as session:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        await session.connection(execution_options=options)
        yield session
