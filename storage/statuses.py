"""Delivery statuses of outbound messages: forward-only (sent < delivered < read), failures recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Message, MessagePart

# What each status may overwrite: a status never moves a message backwards, and a failure
# reported after an accepted send (WhatsApp 131047) overrides sent / delivered but not read.
OVERWRITES: dict[str, tuple[str, ...]] = {
    "sent": ("pending",),
    "delivered": ("pending", "sent"),
    "read": ("pending", "sent", "delivered"),
    "failed": ("pending", "sent", "delivered"),
}


async def apply_status(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    status: str,
    now: datetime,
    platform_message_id: str | None = None,
    conversation_key: str | None = None,
    watermark: datetime | None = None,
    error: str | None = None,
    failure_reason: str | None = None,
) -> int:
    """Move one message (by platform id) or every message up to a watermark; returns rows changed."""
    if status not in OVERWRITES:
        return 0
    where: list[ColumnElement[bool]] = [
        Message.tenant_id == tenant_id,
        Message.channel_id == channel_id,
        Message.direction == "out",
        Message.status.in_(OVERWRITES[status]),
    ]
    if platform_message_id is not None:
        # The id of any part of a split message stands for the message.
        parts = select(MessagePart.message_id).where(
            MessagePart.tenant_id == tenant_id,
            MessagePart.channel_id == channel_id,
            MessagePart.platform_message_id == platform_message_id,
        )
        where.append(or_(Message.platform_message_id == platform_message_id, Message.id.in_(parts)))
    elif watermark is not None and conversation_key is not None:
        conversations = select(Conversation.id).where(
            Conversation.tenant_id == tenant_id,
            Conversation.channel_id == channel_id,
            Conversation.conversation_key == conversation_key,
        )
        where += [Message.conversation_id.in_(conversations), Message.sent_at <= watermark]
    else:
        return 0
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status in ("delivered", "read"):
        values["delivered_at"] = now
    if status == "read":
        values["read_at"] = now
    if status == "failed":
        values["error"] = error
        values["failure_reason"] = failure_reason or "rejected"
    result = await session.execute(update(Message).where(*where).values(**values))
    assert isinstance(result, CursorResult)
    return result.rowcount
