"""A sweep run every few seconds until stopped: the loop that the escalation timeout and the credit
hold sweep share. A pass that fails is logged and tried again at the next tick."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.pipeline.claim_loop import WIND_DOWN_SECONDS, wind_down

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses implement ``sweep`` (one pass, in transactions of its own)."""

    def __init__(self, name: str, interval_seconds: float) -> None:
        self._name = name
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        # Asked, not cancelled, so a sweep in progress finishes its transaction.
        self._stopping.set()
        await wind_down(self._task, WIND_DOWN_SECONDS)

    async def sweep(self) -> object:
        raise NotImplementedError

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("%s failed; trying again", self._name)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stopping.wait()
