"""Platform events that are not a customer's question: delivery statuses, echoes, unhandled events."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Inbound, StatusUpdate
from adapters.meta import is_window_closed
from bot.pipeline.context import load_channel
from storage import conversations, statuses
from storage.models import Message

log = logging.getLogger(__name__)

# An echo of our own reply can arrive before the send is recorded; a match on text this recent is ours.
OWN_ECHO_GRACE = timedelta(minutes=10)


async def apply_status_update(
    session: AsyncSession, *, tenant_id: int, channel_id: int, update: StatusUpdate, now: datetime
) -> int:
    error = None
    reason = None
    if update.status == "failed":
        error = f"{update.error_code}: {update.error_message}" if update.error_code else update.error_message
        reason = "window_closed" if is_window_closed(update.error_code) else "rejected"
    changed = await statuses.apply_status(
        session,
        tenant_id=tenant_id,
        channel_id=channel_id,
        status=update.status,
        now=now,
        platform_message_id=update.platform_message_id,
        conversation_key=update.conversation_key,
        watermark=update.watermark,
        error=error,
        failure_reason=reason,
    )
    if not changed and update.platform_message_id:
        log.info("status %s for message %s changed nothing", update.status, update.platform_message_id)
    return changed


async def record_echo(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    echo: Inbound,
    inbound_event_id: int,
    now: datetime,
) -> bool:
    """Record a message the business sent from another inbox (a human); ignore echoes of our own sends.

    Returns whether a message was recorded.
    """
    tenant, channel = await load_channel(session, tenant_id, channel_id)
    if echo.platform_message_id and await conversations.message_exists(
        session, channel_id=channel.id, platform_message_id=echo.platform_message_id
    ):
        return False
    own_app = channel.settings.get("app_id")
    if own_app and echo.echo_app_id == str(own_app):
        return False
    conversation = await conversations.find_open_conversation(
        session, tenant_id=tenant.id, channel_id=channel.id, conversation_key=echo.conversation_key
    )
    if conversation is None:
        # A human wrote first; the conversation starts when the customer answers.
        log.info("echo on channel %s before any conversation with %s", channel.id, echo.conversation_key)
        return False
    if echo.text and await conversations.recent_outbound_with_text(
        session, conversation_id=conversation.id, text=echo.text, since=now - OWN_ECHO_GRACE
    ):
        return False
    session.add(
        Message(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            inbound_event_id=inbound_event_id,
            role="agent",
            direction="out",
            status="sent",
            type=echo.kind,
            text=echo.text,
            platform_message_id=echo.platform_message_id,
            sent_at=echo.sent_at,
        )
    )
    conversation.message_count += 1
    conversation.last_activity_at = now
    return True
