"""Group commit: concurrent units of work share one transaction and one commit, each still atomic alone.

A caller hands ``run`` a function that writes with the session it is given. Whatever arrives while a
batch is being written waits and then goes in together with the others in the next one: one BEGIN, one
COMMIT (one fsync) and one connection for the lot, instead of one of each per unit. A batch is first
written as it is; if a unit raises (a lost lease, a constraint), that transaction is rolled back and
the batch is written again with each unit inside its own SAVEPOINT, so the failing unit is rolled back
alone and its caller gets the exception, while the others commit. Units must therefore be safe to run
twice (they only write through the session they are given). A caller returns only
once its unit is committed; if the commit itself fails, every unit of the batch gets that error and
nothing of it is written.

Urgent units (``urgent=True``: webhook acknowledgements wait on them) go to the front of the next
batch, and a batch holds at most ``max_batch`` units, so an urgent unit never waits behind more than
one bounded batch. Units marked ``soon=True`` (work nearly done, such as a send's progress marks) come
next, before the rest: finishing what is under way first keeps replies flowing while new turns queue.
Units must not wait on anything slow (no HTTP, no LLM): the batch waits with them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

# On SQLite a batch runs in the event loop's thread without a pause (storage/sqlite_inline.py), so its
# size bounds how long a webhook waits: 8 turn units are ~50 ms of CPU. Measured with `make bench` at
# half the peak rate: ack p99 35-37 ms with 8 against 52-70 ms with 16, and the same turns/s.
DEFAULT_MAX_BATCH = 8


@dataclass
class _Unit(Generic[T]):
    work: Work[T]
    future: asyncio.Future[T]


class GroupCommit:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, max_batch: int = DEFAULT_MAX_BATCH):
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._sessions = sessions
        self._max_batch = max_batch
        self._urgent: deque[_Unit[Any]] = deque()
        self._soon: deque[_Unit[Any]] = deque()
        self._normal: deque[_Unit[Any]] = deque()
        self._lock = asyncio.Lock()

    async def run(self, work: Work[T], *, urgent: bool = False, soon: bool = False) -> T:
        """Write ``work`` in the next batch; returns its result once that batch has committed."""
        unit: _Unit[T] = _Unit(work, asyncio.get_running_loop().create_future())
        (self._urgent if urgent else self._soon if soon else self._normal).append(unit)
        while not unit.future.done():
            async with self._lock:
                if unit.future.done():
                    break
                batch = self._take()
                # Shielded: a caller that goes away must not abort the commit the others wait on.
                await asyncio.shield(asyncio.ensure_future(self._write(batch)))
        return await unit.future

    def _take(self) -> list[_Unit[Any]]:
        batch: list[_Unit[Any]] = []
        for queue in (self._urgent, self._soon, self._normal):
            while queue and len(batch) < self._max_batch:
                batch.append(queue.popleft())
        return batch

    async def _write(self, batch: list[_Unit[Any]]) -> None:
        try:
            outcomes = await self._together(batch)
        except _UnitFailed:
            # One unit raised and the transaction was rolled back: write them again, each in its own
            # savepoint, so that only the failing units fail.
            outcomes = None
        except BaseException as exc:
            self._fail_all(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return
        if outcomes is None:
            try:
                async with transaction(self._sessions) as session:
                    outcomes = [await _in_savepoint(session, unit.work) for unit in batch]
            except BaseException as exc:
                self._fail_all(batch, exc)
                if not isinstance(exc, Exception):
                    raise
                return
        for unit, (ok, value) in zip(batch, outcomes, strict=True):
            if unit.future.done():
                continue
            if ok:
                unit.future.set_result(value)
            else:
                _hand_over(unit.future, value)

    async def _together(self, batch: list[_Unit[Any]]) -> list[tuple[bool, Any]]:
        """Every unit in one transaction without savepoints (two statements fewer per unit); raises
        _UnitFailed, after rolling back, if one unit raised. A unit alone gets its own error directly.
        """
        async with transaction(self._sessions) as session:
            if len(batch) == 1:
                return [(True, await batch[0].work(session))]
            outcomes: list[tuple[bool, Any]] = []
            for unit in batch:
                try:
                    outcomes.append((True, await unit.work(session)))
                except Exception as exc:
                    raise _UnitFailed from exc
            return outcomes

    @staticmethod
    def _fail_all(batch: list[_Unit[Any]], exc: BaseException) -> None:
        for unit in batch:
            if unit.future.done():
                continue
            if isinstance(exc, asyncio.CancelledError):
                unit.future.cancel()
            else:
                _hand_over(unit.future, exc)


class _UnitFailed(Exception):
    """A unit of a batch written together raised: the batch is written again unit by unit."""


def _hand_over(future: asyncio.Future[Any], exc: BaseException) -> None:
    """Fail a unit; its caller still gets the error, but one that went away leaves no "never retrieved"."""
    future.set_exception(exc)
    future.exception()


async def _in_savepoint(session: AsyncSession, work: Work[Any]) -> tuple[bool, Any]:
    try:
        async with session.begin_nested():
            return True, await work(session)
    except Exception as exc:  # noqa: BLE001 - handed to the unit's caller; the batch goes on
        return False, exc
