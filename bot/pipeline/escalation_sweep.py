"""Runs the escalation timeout every few seconds and wakes the outbox and the notifier for what it queued.

Any number of processes may run it at once: flagging is compare-and-set, so each overdue conversation is
flagged, and its customer told, exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handoff.escalation_timeouts import Flagged, flag_overdue
from bot.pipeline.periodic import Periodic
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)


class EscalationSweeper(Periodic):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval_seconds: float,
        on_notices: Callable[[], None] = lambda: None,
        on_notifications: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__("escalation-sweep", interval_seconds)
        self._sessions = sessions
        self._on_notices = on_notices
        self._on_notifications = on_notifications

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
