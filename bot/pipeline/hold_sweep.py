"""Releases credit holds whose LLM turn will never settle them (bot/billing/turn_credits.py).

A turn settles its own hold when it is stored, and an event's next attempt releases what an earlier
attempt left. What remains is the hold of an attempt that ended without a next one (its event parked as
failed, or answered by an attempt that did not call the model): every minute, any process, each hold
released once (whoever deletes its row releases it).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.turn_credits import release_abandoned_holds
from bot.pipeline.periodic import Periodic
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)

HOLD_SWEEP_SECONDS = 60.0


class HoldSweeper(Periodic):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, interval_seconds: float = HOLD_SWEEP_SECONDS
    ) -> None:
        super().__init__("credit-hold-sweep", interval_seconds)
        self._sessions = sessions

    async def sweep(self) -> int:
        async with transaction(self._sessions) as session:
            released = await release_abandoned_holds(session, utcnow())
        if released:
            log.info("released %d credit hold(s) left by turns that ended without settling them", released)
        return released
