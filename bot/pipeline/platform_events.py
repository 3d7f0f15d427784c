"""Platform events that are not a customer's question: delivery statuses, echoes, unhandled events."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Inbound, StatusUpdate
from bot.pipeline.context import load_channel
from storage import conversations, message_parts, statuses
from storage.models import Message

log = logging.getLogger(__name__)


async def apply_status_update(
    session: AsyncSession, *, tenant_id: int, channel_id: int, update: StatusUpdate, now: datetime
) -> int:
    error = None
    reason = None
    if update.status == "failed":
        error = f"{update.error_code}: {update.error_message}" if update.error_code else update.error_message
        reason = "window_closed" if update.window_closed else "rejected"
    changed = await _apply(session, tenant_id, channel_id, update, now, error, reason)
    if not changed and update.platform_message_id and update.conversation_key:
        # A status for an id we never learned: the answer to our send was lost. If exactly one part in
        # this conversation is waiting for such news, it is for that part; the outbox then knows the
        # part arrived and does not send it again.
        matched = await message_parts.claim_status_for_unconfirmed(
            session,
            tenant_id=tenant_id,
            channel_id=channel_id,
            conversation_key=update.conversation_key,
            platform_message_id=update.platform_message_id,
            now=now,
        )
        if matched is not None:
            changed = await _apply(session, tenant_id, channel_id, update, now, error, reason)
    if not changed and update.platform_message_id:
        log.info("status %s for message %s changed nothing", update.status, update.platform_message_id)
    return changed


async def _apply(
    session: AsyncSession,
    tenant_id: int,
    channel_id: int,
    update: StatusUpdate,
    now: datetime,
    error: str | None,
    reason: str | None,
) -> int:
    return await statuses.apply_status(
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


async def record_echo(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    echo: Inbound,
    inbound_event_id: int,
    now: datetime,
) -> bool:
    """Record a message the business sent from another inbox (a human); recognise echoes of our own sends.

    An echo of one of our parts (by its platform id, or by its text while the part still waits for its
    id, e.g. because the send's answer was lost) fills in that id. Returns whether a message was recorded.
    """
    tenant, channel = await load_channel(session, tenant_id, channel_id)
    if echo.platform_message_id and await message_parts.platform_id_known(
        session, tenant_id=tenant.id, channel_id=channel.id, platform_message_id=echo.platform_message_id
    ):
        return False
    conversation = await conversations.find_open_conversation(
        session, tenant_id=tenant.id, channel_id=channel.id, conversation_key=echo.conversation_key
    )
    if (
        conversation is not None
        and echo.text
        and echo.platform_message_id
        and await message_parts.claim_echo(
            session,
            tenant_id=tenant.id,
            channel_id=channel.id,
            conversation_id=conversation.id,
            text=echo.text,
            platform_message_id=echo.platform_message_id,
            now=now,
        )
    ):
        return False
    own_app = channel.settings.get("app_id")
    if own_app and echo.echo_app_id == str(own_app):
        return False
    if conversation is None:
        # A human wrote first; the conversation starts when the customer answers.
        log.info("echo on channel %s before any conversation with a customer", channel.id)
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
