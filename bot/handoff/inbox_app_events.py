"""Handover Protocol events from Messenger: the page's inbox app gave a thread back.

When the inbox app passes the thread back while the conversation still waits in the queue (people
finished it in Meta's inbox, "Mark as done"), the conversation is resolved by the system, without a
rating question, and the bot answers the customer's next message. Other handover events are recorded
only: a take by the inbox app shows in the customer's next messages arriving as standby.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import ThreadHandover
from bot.handoff.conversation_states import SYSTEM, transition
from bot.handoff.thread_control import QUEUE, inbox_app_of
from storage import agent_queries, conversations
from storage.models import Channel
from storage.sql import get_owned


async def thread_changed_hands(
    session: AsyncSession, *, tenant_id: int, channel_id: int, handover: ThreadHandover, now: datetime
) -> bool:
    """Act on a handover event: True when it resolved a waiting conversation the inbox app gave back."""
    channel = await get_owned(session, Channel, tenant_id, channel_id)
    inbox_app = inbox_app_of(channel) if channel is not None else None
    if inbox_app is None or handover.action != "pass" or handover.new_owner_app_id in (None, inbox_app):
        return False
    conversation = await conversations.find_open_conversation(
        session, tenant_id=tenant_id, channel_id=channel_id, conversation_key=handover.conversation_key
    )
    if conversation is None or conversation.status != QUEUE:
        return False
    await transition(
        session,
        conversation,
        "resolved",
        actor=SYSTEM,
        now=now,
        reason="finished in the page's inbox app",
        mirror_thread=False,
    )
    handoff = await agent_queries.latest_handoff(session, tenant_id, conversation.id)
    if handoff is not None and handoff.resolved_at is None:
        handoff.resolved_at = now
        handoff.notes = "finished in the page's inbox app"
    return True
