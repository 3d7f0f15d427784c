"""An agent's load (the conversations it owns now) against its capacity, counted under the agent's row lock.

Every path that gives an agent a conversation (claim, transfer, auto-assignment) takes the lock first, so
two of them at once on PostgreSQL cannot both fill the last free place (SQLite writers are serial anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff.agent_errors import Conflict, NotFound
from storage import agent_queries
from storage.models import Agent


@dataclass(frozen=True)
class Load:
    agent: Agent
    open_conversations: int

    @property
    def has_room(self) -> bool:
        return self.open_conversations < self.agent.capacity


async def locked_load(session: AsyncSession, tenant_id: int, agent_id: int) -> Load | None:
    """The agent (row locked until the transaction ends) and how many conversations it owns now."""
    agent = await agent_queries.get_agent(session, tenant_id, agent_id, lock=True)
    if agent is None:
        return None
    loads = await agent_queries.open_loads(session, tenant_id, [agent.id])
    return Load(agent, loads[agent.id])


async def require_room(session: AsyncSession, tenant_id: int, agent_id: int, *, taker: str) -> Agent:
    """The agent, if it is active and below its capacity; NotFound or Conflict (saying why) otherwise.

    ``taker`` words the refusal: "you" for the agent itself, or the agent's name for a transfer.
    """
    load = await locked_load(session, tenant_id, agent_id)
    if load is None:
        raise NotFound(f"no agent {agent_id}")
    if not load.agent.active:
        raise Conflict(f"{load.agent.name} is disabled")
    if not load.has_room:
        verb = "are" if taker == "you" else "is"
        raise Conflict(
            f"{taker} {verb} at capacity ({load.open_conversations} of {load.agent.capacity} "
            "open conversations)"
        )
    return load.agent
