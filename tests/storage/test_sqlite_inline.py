"""SQLite calls run in the event loop's thread, and a call that meets a lock waits without blocking it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import create_engine
from storage.sqlite_inline import InlineSQLiteConnection


async def test_calls_run_in_the_loops_thread_without_a_thread_of_their_own(tmp_path: Path) -> None:
    # Other tests' threads may still be ending: what matters is that no thread starts.
    threads_before = set(threading.enumerate())
    db = create_engine(f"sqlite:///{tmp_path / 'inline.db'}")
    try:
        async with db.connect() as conn:
            assert await conn.scalar(text("SELECT 41 + 1")) == 42
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineSQLiteConnection)
            # SQLite's own busy handler would sleep inside the event loop: it is off.
            assert await conn.scalar(text("PRAGMA busy_timeout")) == 0
            assert set(threading.enumerate()) - threads_before == set()
    finally:
        await db.dispose()


async def test_a_writer_waits_for_the_lock_while_the_loop_goes_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    first, second = create_engine(url), create_engine(url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    try:
        async with first.begin() as conn:
            await conn.execute(text("CREATE TABLE notes (body TEXT)"))
        ticking = asyncio.create_task(ticker())

        async def hold_the_lock() -> None:
            async with first.begin() as conn:  # BEGIN IMMEDIATE: the write lock
                await conn.execute(text("INSERT INTO notes VALUES ('first')"))
                await asyncio.sleep(0.3)

        async def write_after() -> None:
            await asyncio.sleep(0.05)
            async with second.begin() as conn:
                await conn.execute(text("INSERT INTO notes VALUES ('second')"))

        await asyncio.gather(hold_the_lock(), write_after())
        ticking.cancel()
        # The loop kept running while the second writer waited: the first could finish and let it in.
        assert ticks >= 10
        async with second.connect() as conn:
            rows = (await conn.execute(text("SELECT body FROM notes ORDER BY rowid"))).scalars().all()
        assert rows == ["first", "second"]
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_lock_held_past_the_deadline_fails_the_call(tmp_path: Path) -> None:
    path = str(tmp_path / "held.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE notes (body TEXT)")
    holder.execute("BEGIN IMMEDIATE")
    conn = await InlineSQLiteConnection(path, busy_seconds=0.2)
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await conn.execute("BEGIN IMMEDIATE")
        assert asyncio.get_running_loop().time() - started >= 0.15
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await conn.close()
