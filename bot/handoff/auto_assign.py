"""Auto-assignment: with the tenant setting ``auto_assign`` on, waiting conversations go to available agents.

The oldest waiting conversation goes first, to the available agent (console connected, or an API call in
the last minute) with the fewest open conversations below its capacity; then the next, until the queue or
the free places run out. It runs in the API process: at once after an agent claims, releases, resolves or
transfers (a place may have opened), and every few seconds (a conversation escalated by a worker in any
process, an agent who just connected). Every assignment is a compare-and-set transition under the agent's
row lock, so several processes doing this at once neither assign a conversation twice nor overfill an agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handoff.agent_load import locked_load
from bot.handoff.agent_presence import available_since
from bot.handoff.conversation_states import SYSTEM, ConcurrentChange, transition
from bot.tenancy.agent_accounts import AUTO_ASSIGN_SETTING
from storage import agent_queries
from storage.db import read_only, transaction
from storage.models import utcnow

log = logging.getLogger(__name__)


def auto_assign_enabled(settings: Mapping[str, Any] | None) -> bool:
    return (settings or {}).get(AUTO_ASSIGN_SETTING) is True


async def assign_waiting(session: AsyncSession, tenant_id: int, *, now: datetime) -> list[tuple[int, int]]:
    """Assign the tenant's waiting conversations, oldest first; returns (conversation id, agent id) pairs."""
    waiting = await agent_queries.waiting_conversations(session, tenant_id)
    if not waiting:
        return []
    agents = await agent_queries.agents_seen_since(session, tenant_id, available_since(now))
    loads = await agent_queries.open_loads(session, tenant_id, [a.id for a in agents])
    capacity = {a.id: a.capacity for a in agents}
    assigned: list[tuple[int, int]] = []
    for conversation in waiting:
        while True:
            free = [a for a in agents if loads[a.id] < capacity[a.id]]
            if not free:
                return assigned
            pick = min(free, key=lambda a: (loads[a.id], a.id))
            load = await locked_load(session, tenant_id, pick.id)
            if load is None or not load.agent.active or not load.has_room:
                # Filled (or disabled) meanwhile by another process: count it full and choose again.
                loads[pick.id] = capacity[pick.id]
                continue
            loads[pick.id] = load.open_conversations
            break
        try:
            await transition(
                session,
                conversation,
                "transferred",
                actor=SYSTEM,
                now=now,
                reason="auto-assigned",
                agent_id=pick.id,
            )
        except ConcurrentChange:
            continue  # claimed by someone else meanwhile
        handoff = await agent_queries.latest_handoff(session, tenant_id, conversation.id)
        if handoff is not None and handoff.resolved_at is None:
            handoff.agent_id = pick.id
            handoff.accepted_at = handoff.accepted_at or now
        loads[pick.id] += 1
        assigned.append((conversation.id, pick.id))
    return assigned


class AutoAssigner:
    """Runs ``assign_waiting`` for every tenant with auto-assignment on, periodically and when woken."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, interval_seconds: float) -> None:
        self._sessions = sessions
        self._interval = interval_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Assign now rather than at the next interval (an agent action may have freed a place)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="auto-assign")

    async def stop(self) -> None:
        if self._task is not None:
            # Cancelled until it is done: a cancellation lost inside a library must not hang the stop.
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        """One pass over the tenants that have auto-assignment on; returns how many were assigned."""
        async with read_only(self._sessions) as session:
            enabled = [t for t, s in await agent_queries.tenant_settings(session) if auto_assign_enabled(s)]
            tenants = [t for t in enabled if await agent_queries.waiting_conversations(session, t, limit=1)]
        count = 0
        for tenant_id in tenants:
            async with transaction(self._sessions) as session:
                count += len(await assign_waiting(session, tenant_id, now=utcnow()))
        return count

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # a wake() from here on runs another pass at once
            try:
                assigned = await self.run_once()
                if assigned:
                    log.info("auto-assigned %d waiting conversation(s)", assigned)
            except Exception:
                log.exception("auto-assignment failed; trying again")
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
