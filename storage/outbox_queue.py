"""Durable outbound queue queries: claim the oldest unsent reply per conversation, record the outcome."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Channel, Conversation, Message, OutboxItem
from storage.sql import is_postgresql

UNFINISHED = ("pending", "sending")


@dataclass(frozen=True)
class ClaimedSend:
    id: int
    message_id: int
    conversation_id: int
    channel_id: int
    attempts: int
    lock_token: str


@dataclass(frozen=True)
class SendContext:
    """Everything the outbox needs to hand one message to its platform adapter."""

    tenant_id: int
    platform: str
    channel_id: int
    external_id: str
    group_id: str | None
    credentials_encrypted: str | None
    channel_settings: dict[str, Any]
    recipient_id: str
    role: str
    text: str
    choices: tuple[str, ...]
    reply_to: str | None
    last_inbound_at: datetime | None
    parts_sent: int


def enqueue(session: AsyncSession, message: Message, now: datetime) -> OutboxItem:
    """Queue an outbound message for delivery (call inside the turn's transaction, after flush)."""
    item = OutboxItem(
        tenant_id=message.tenant_id,
        message_id=message.id,
        conversation_id=message.conversation_id,
        channel_id=message.channel_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
    )
    session.add(item)
    return item


async def claim_sends(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    only_channels: Collection[int] | None = None,
    except_platforms: Collection[str] = (),
) -> list[ClaimedSend]:
    o = OutboxItem
    other = aliased(OutboxItem)
    earlier_unsent = exists().where(
        other.conversation_id == o.conversation_id, other.id < o.id, other.status.in_(UNFINISHED)
    )
    claimable = or_(
        and_(o.status == "pending", o.next_attempt_at <= now),
        and_(o.status == "sending", o.locked_until < now),
    )
    query = select(o).where(claimable, ~earlier_unsent)
    if only_channels is not None:
        query = query.where(o.channel_id.in_(list(only_channels)))
    if except_platforms:
        excluded = select(Channel.id).where(Channel.platform.in_(list(except_platforms)))
        query = query.where(o.channel_id.not_in(excluded))
    query = query.order_by(o.id).limit(limit)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=o)
    claimed = []
    until = now + timedelta(seconds=lease_seconds)
    for row in (await session.scalars(query)).all():
        token = uuid.uuid4().hex
        # Read before the UPDATE: the session synchronises the loaded row with what it writes.
        claim = ClaimedSend(
            row.id, row.message_id, row.conversation_id, row.channel_id, row.attempts + 1, token
        )
        await session.execute(
            update(o)
            .where(o.id == row.id)
            .values(
                status="sending",
                locked_until=until,
                lock_token=token,
                attempts=o.attempts + 1,
                updated_at=now,
            )
        )
        claimed.append(claim)
    return claimed


async def load_send_context(session: AsyncSession, claim: ClaimedSend) -> SendContext:
    row = (
        await session.execute(
            select(
                Message,
                Channel,
                Conversation.conversation_key,
                Conversation.last_inbound_at,
                OutboxItem.parts_sent,
            )
            .join(Channel, Channel.id == Message.channel_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(OutboxItem, OutboxItem.message_id == Message.id)
            .where(Message.id == claim.message_id)
        )
    ).one()
    message, channel, key, last_inbound_at, parts_sent = row
    payload = message.payload or {}
    return SendContext(
        tenant_id=message.tenant_id,
        platform=channel.platform,
        channel_id=channel.id,
        external_id=channel.external_id,
        group_id=channel.group_id,
        credentials_encrypted=channel.credentials_encrypted,
        channel_settings=dict(channel.settings or {}),
        recipient_id=key,
        role=message.role,
        text=message.text or "",
        choices=tuple(str(c) for c in payload.get("choices", ())),
        reply_to=payload.get("reply_to"),
        last_inbound_at=last_inbound_at,
        parts_sent=parts_sent,
    )


async def _guarded(session: AsyncSession, claim: ClaimedSend, **values: object) -> bool:
    o = OutboxItem
    result = await session.execute(
        update(o)
        .where(o.id == claim.id, o.lock_token == claim.lock_token, o.status == "sending")
        .values(**values)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def mark_sent(
    session: AsyncSession, claim: ClaimedSend, *, platform_message_ids: Sequence[str], now: datetime
) -> bool:
    if not await _guarded(
        session, claim, status="sent", sent_at=now, locked_until=None, last_error=None, updated_at=now
    ):
        return False
    await session.execute(
        update(Message)
        .where(Message.id == claim.message_id)
        .values(
            status="sent",
            sent_at=now,
            platform_message_id=platform_message_ids[0] if platform_message_ids else None,
            updated_at=now,
        )
    )
    return True


async def reschedule(
    session: AsyncSession, claim: ClaimedSend, *, error: str, at: datetime, now: datetime
) -> bool:
    return await _guarded(
        session,
        claim,
        status="pending",
        next_attempt_at=at,
        locked_until=None,
        last_error=error,
        updated_at=now,
    )


async def mark_failed(
    session: AsyncSession, claim: ClaimedSend, *, error: str, reason: str, now: datetime
) -> bool:
    if not await _guarded(
        session, claim, status="failed", locked_until=None, last_error=error, updated_at=now
    ):
        return False
    await session.execute(
        update(Message)
        .where(Message.id == claim.message_id)
        .values(status="failed", error=error, failure_reason=reason, updated_at=now)
    )
    return True


async def flag_credentials(session: AsyncSession, channel_id: int) -> None:
    """The platform rejected the channel's token: mark the channel as needing new credentials."""
    await session.execute(update(Channel).where(Channel.id == channel_id).values(needs_credentials=True))


async def unsent_for_event(session: AsyncSession, inbound_event_id: int) -> int:
    """How many replies produced by an inbound event are still waiting to be delivered."""
    rows = await session.scalars(
        select(OutboxItem.id)
        .join(Message, Message.id == OutboxItem.message_id)
        .where(Message.inbound_event_id == inbound_event_id, OutboxItem.status.in_(UNFINISHED))
    )
    return len(rows.all())
