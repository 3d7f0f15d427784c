"""CSAT: after an agent resolves a conversation, the customer is asked once for a 1-5 rating.

The question goes out through the outbox like any reply: quick replies on Messenger, an interactive
list on WhatsApp (its reply buttons hold only three choices), plain text on GroupMe. It is asked only
while the messaging window lets a bot message out; otherwise an internal note tells the agents why no
rating was asked. A conversation closed by the system (inactivity) is never asked. The customer's answer
is read by the engine (bot/engine/ratings.py) and stored as ``feedback`` by the turn that receives it
(bot/pipeline/effects.py), which also closes the conversation; an answer that is not a rating goes to
the bot as a normal message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

import prompts
from adapters.base import Platform
from bot.engine.ratings import RATING_CHOICES
from bot.handoff.internal_notes import write_note
from bot.handoff.messaging_windows import check_window
from storage import live_events, outbox_queue
from storage.models import Channel, Conversation
from storage.sql import get_owned

# Platforms whose rating question carries the five choices as buttons or quick replies.
_WITH_CHOICES = frozenset({Platform.MESSENGER.value, Platform.WHATSAPP.value, Platform.CONSOLE.value})


async def ask_for_rating(
    session: AsyncSession, conversation: Conversation, *, agent_id: int | None, now: datetime
) -> bool:
    """Queue the rating question once for this conversation; False when it was not (and why is noted)."""
    if conversation.csat_requested_at is not None:
        return False
    channel = await get_owned(session, Channel, conversation.tenant_id, conversation.channel_id)
    if channel is None:
        return False
    window = check_window(
        platform=channel.platform,
        role="assistant",
        last_inbound_at=conversation.last_inbound_at,
        now=now,
        channel_settings=channel.settings or {},
    )
    # A bot message needs the window open for free text: no tag or template may carry a survey.
    if not window.allowed or window.tag or window.template:
        await write_note(
            session,
            conversation,
            "No rating was asked: the customer's messaging window is closed, so the platform "
            "would refuse the question.",
            now=now,
        )
        return False
    message = await outbox_queue.queue_outbound(
        session,
        conversation,
        role="assistant",
        text=prompts.load("csat_question"),
        payload={"choices": list(RATING_CHOICES)} if channel.platform in _WITH_CHOICES else None,
        route="feedback",
        now=now,
    )
    conversation.csat_requested_at = now
    conversation.message_count += 1
    await live_events.publish(
        session,
        tenant_id=conversation.tenant_id,
        kind="message",
        conversation_id=conversation.id,
        payload={"message_id": message.id, "role": "assistant", "text": message.text, "agent_id": agent_id},
        now=now,
    )
    return True
