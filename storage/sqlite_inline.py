"""SQLite connections whose calls run in the event loop's thread, and wait for locks without blocking it.

aiosqlite hands every call to a thread of its own and the answer back: a queue, a future and two
wake-ups per call, which cost far more CPU than the statement itself on a local file (tens of
microseconds). Here each call runs at once in the caller's thread. SQLite's own busy handler would then
sleep inside the event loop while another connection (another engine of this process, a CLI command)
holds the write lock, stopping the very coroutine that would release it; so the connection gets no busy
timeout, and a call refused with "database is locked" is tried again after an asyncio sleep, until the
same deadline SQLite would have used. A refused statement did nothing, so trying it again is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite

# The longest single pause between a locked call's tries (how long it may wait in all is the caller's).
MAX_PAUSE_SECONDS = 0.02


class _RunAtOnce:
    """Stands in for aiosqlite's request queue: each request runs at once, in the caller's thread."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineSQLiteConnection(aiosqlite.Connection):
    """An aiosqlite connection without its thread (see the module's description)."""

    def __init__(self, database: str, *, busy_seconds: float) -> None:
        # timeout=0: SQLite answers "locked" at once and the wait happens in _execute, off the loop's back.
        super().__init__(lambda: sqlite3.connect(database, timeout=0), 64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]
        self._busy_seconds = busy_seconds

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        clock = asyncio.get_running_loop()
        deadline = clock.time() + self._busy_seconds
        pause = 0.001
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not is_locked(exc) or clock.time() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)


def is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY: another connection holds the lock this call needs."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "database is locked" in str(exc)


async def connect(database: str, *, busy_seconds: float) -> aiosqlite.Connection:
    return await InlineSQLiteConnection(database, busy_seconds=busy_seconds)
