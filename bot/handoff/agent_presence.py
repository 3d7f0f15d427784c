"""Presence: an agent is available while its console is connected or it called the API in the last minute.

Both touch ``agents.last_seen_at``: every API call, and an open live event stream every
``REFRESH_EVERY`` (well inside ``AVAILABLE_WITHIN``, so a connected console never looks away). The
column is written at most once per ``REFRESH_EVERY`` per agent, so reads stay reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage import agent_queries

AVAILABLE_WITHIN = timedelta(seconds=60)
REFRESH_EVERY = timedelta(seconds=15)


def needs_refresh(last_seen_at: datetime | None, now: datetime) -> bool:
    return last_seen_at is None or now - last_seen_at >= REFRESH_EVERY


async def mark_seen(session: AsyncSession, *, tenant_id: int, agent_id: int, now: datetime) -> None:
    await agent_queries.mark_seen(
        session, tenant_id=tenant_id, agent_id=agent_id, now=now, unless_since=now - REFRESH_EVERY
    )


def available_since(now: datetime) -> datetime:
    """Agents seen at or after this moment are available."""
    return now - AVAILABLE_WITHIN
