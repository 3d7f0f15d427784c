"""Internal notes on a conversation: for the tenant's agents only, never sent to the customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import live_events
from storage.models import AgentNote, Conversation


async def write_note(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    *,
    now: datetime,
    agent_id: int | None = None,
    agent_name: str | None = None,
) -> AgentNote:
    """Store the note (by an agent, or by the system when ``agent_id`` is None) and tell the consoles."""
    note = AgentNote(
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        agent_id=agent_id,
        text=text,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    await session.flush()
    await live_events.publish(
        session,
        tenant_id=conversation.tenant_id,
        kind="note",
        conversation_id=conversation.id,
        payload={"note_id": note.id, "agent_id": agent_id, "agent": agent_name, "text": text},
        now=now,
    )
    return note
