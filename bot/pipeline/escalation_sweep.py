"""Runs the escalation timeout every few seconds and wakes the outbox and the notifier for what it queued.

Any number of processes may run it at once: flagging is compare-and-set, so each overdue conversation is
flagged, and its customer told, exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handoff.escalation_timeouts import Flagged, flag_overdue
from bot.pipeline.claim_loop import WIND_DOWN_SECONDS, wind_down
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)


class EscalationSweeper:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval_seconds: float,
        on_notices: Callable[[], None] = lambda: None,
        on_notifications: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._interval = interval_seconds
        self._on_notices = on_notices
        self._on_notifications = on_notifications
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="escalation-sweep")

    async def stop(self) -> None:
        # Asked, not cancelled, so a sweep in progress finishes its transaction.
        self._stopping.set()
        await wind_down(self._task, WIND_DOWN_SECONDS)

    async def sweep(self) -> list[Flagged]:
        """One pass: flag what is overdue now, then wake the senders for the notices and notifications."""
        async with transaction(self._sessions) as session:
            flagged = await flag_overdue(session, utcnow())
        if flagged:
            log.info("escalation timeout: flagged %d conversation(s)", len(flagged))
            self._on_notices()
            if any(f.notified for f in flagged):
                self._on_notifications()
        return flagged

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("escalation timeout sweep failed; trying again")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stopping.wait()
