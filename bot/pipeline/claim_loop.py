"""The loop both durable queues share: claim up to a bound, run each claim as a task, sleep until woken."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Claim = TypeVar("Claim")


class ClaimLoop(ABC, Generic[Claim]):
    def __init__(self, *, name: str, concurrency: int, poll_interval_seconds: float) -> None:
        self._name = name
        self._concurrency = concurrency
        self._poll_interval = poll_interval_seconds
        self._wake = asyncio.Event()
        self._running: dict[Hashable, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None

    @abstractmethod
    async def _claim(self, limit: int) -> list[Claim]:
        """Claim at most ``limit`` items (committed before returning)."""

    @abstractmethod
    def _key(self, claim: Claim) -> Hashable:
        """What identifies a running claim (a conversation, for the inbox)."""

    @abstractmethod
    async def _handle(self, claim: Claim) -> None:
        """Do the work of one claim; must not raise except on cancellation."""

    def wake(self) -> None:
        """Look for work now instead of at the next poll (new work was just committed here)."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self.run(), name=self._name)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop claiming; give running work ``grace_seconds`` to finish, then cancel it (leases expire)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        tasks = list(self._running.values())
        if tasks:
            _, still_running = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in still_running:
                task.cancel()
            await asyncio.gather(*still_running, return_exceptions=True)

    async def run(self) -> None:
        while True:
            # Cleared before claiming, so a wake that arrives while we claim is not lost.
            self._wake.clear()
            free = self._concurrency - len(self._running)
            claims: list[Claim] = []
            if free > 0:
                try:
                    claims = await self._claim(free)
                except Exception:
                    log.exception("%s: claiming failed; retrying shortly", self._name)
            for claim in claims:
                key = self._key(claim)
                self._running[key] = asyncio.create_task(
                    self._run_one(key, claim), name=f"{self._name}-{key}"
                )
            if claims and len(claims) == free:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)

    async def _run_one(self, key: Hashable, claim: Claim) -> None:
        try:
            await self._handle(claim)
        finally:
            self._running.pop(key, None)
            self._wake.set()
