"""Durable outbound queue queries: queue replies, claim the oldest unsent reply per conversation, load a
send, and finish or fail it. What a send records while its parts go out is storage/send_progress.py.

A send is loaded by one Core query built once, with each send's parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import leases, live_events
from storage.models import Channel, Conversation, Message, MessagePart, OutboxItem
from storage.sql import is_postgresql, table

UNFINISHED = ("pending", "sending")
DEFAULT_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class ClaimedSend:
    id: int
    tenant_id: int
    message_id: int
    conversation_id: int
    channel_id: int
    attempts: int
    lock_token: str


@dataclass(frozen=True)
class PartRecord:
    platform_message_id: str | None
    unconfirmed: bool


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
    # What earlier attempts recorded of each part (by index): its platform id once known.
    parts: dict[int, PartRecord]
    # Not a message but a Messenger Handover Protocol call: {"action": "pass"|"take", "target_app_id"}.
    thread_control: dict[str, Any] | None = None


async def queue_outbound(
    session: AsyncSession,
    conversation: Conversation,
    *,
    role: str,
    text: str,
    now: datetime,
    route: str | None = None,
    payload: dict[str, Any] | None = None,
    message_type: str = "text",
    agent_id: int | None = None,
) -> Message:
    """Store one outbound message of ``conversation`` and queue it for delivery (the caller commits)."""
    message = Message(
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        agent_id=agent_id,
        role=role,
        direction="out",
        status="pending",
        type=message_type,
        text=text,
        payload=payload,
        route=route,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    await session.flush()
    await enqueue(session, [message], now)
    return message


_ENQUEUE = insert(OutboxItem)
_ENQUEUE_POSTGRESQL = insert(OutboxItem).values(next_attempt_at=func.now())


async def enqueue(session: AsyncSession, messages: Sequence[Message], now: datetime) -> None:
    """Queue outbound messages for delivery (inside the turn's transaction, after they are flushed).

    They are due at once by the lease clock (the database's on PostgreSQL), which the claim compares with.
    """
    if not messages:
        return
    # The rows as parameters, not inline values: the statement is compiled once, not on every turn.
    # Due at once: now() on PostgreSQL is the database's clock, in the statement.
    postgres = is_postgresql(session)
    await session.execute(
        _ENQUEUE_POSTGRESQL if postgres else _ENQUEUE,
        [
            {
                "tenant_id": m.tenant_id,
                "message_id": m.id,
                "conversation_id": m.conversation_id,
                "channel_id": m.channel_id,
                "status": "pending",
                "attempts": 0,
                "parts_sent": 0,
                **({} if postgres else {"next_attempt_at": now}),
                "created_at": now,
                "updated_at": now,
            }
            for m in messages
        ],
    )


async def claim_sends(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    exclude_ids: Collection[int] = (),
    only_channels: Collection[int] | None = None,
    except_platforms: Collection[str] = (),
) -> list[ClaimedSend]:
    """Claim up to ``limit`` sends, the oldest unsent of each conversation only. Commit afterwards.

    A send that has had ``max_attempts`` attempts (its senders died each time) is parked as failed,
    and so is its message (``gave_up``).
    """
    o = OutboxItem
    other = aliased(OutboxItem)
    earlier_unsent = exists().where(
        other.conversation_id == o.conversation_id, other.id < o.id, other.status.in_(UNFINISHED)
    )
    where = [~earlier_unsent]
    if only_channels is not None:
        where.append(o.channel_id.in_(list(only_channels)))
    if except_platforms:
        excluded = select(Channel.id).where(Channel.platform.in_(list(except_platforms)))
        where.append(o.channel_id.not_in(excluded))
    claimed = await leases.claim(
        session,
        leases.OUTBOX,
        now=now,
        lease_seconds=lease_seconds,
        max_attempts=max_attempts,
        limit=limit,
        where=where,
        exclude_ids=exclude_ids,
        parked_error="gave up: the sender stopped during every attempt",
    )
    for row in claimed.parked:
        await _fail_message(
            session,
            tenant_id=row.tenant_id,
            message_id=row.message_id,
            error=f"gave up after {row.attempts} attempts",
            reason="gave_up",
            now=now,
        )
    return [
        ClaimedSend(
            id=row.id,
            tenant_id=row.tenant_id,
            message_id=row.message_id,
            conversation_id=row.conversation_id,
            channel_id=row.channel_id,
            attempts=row.attempts + 1,
            lock_token=claimed.lock_token,
        )
        for row in claimed.rows
    ]


_messages = table(Message)
_channels = table(Channel)
_conversations = table(Conversation)
_outbox = table(OutboxItem)
_parts = table(MessagePart)

# One row per part recorded by earlier attempts (one row with no part before the first attempt).
_SEND_CONTEXT = (
    select(
        _messages.c.tenant_id,
        _messages.c.role,
        _messages.c.text,
        _messages.c.payload,
        _channels.c.platform,
        _channels.c.id.label("channel_id"),
        _channels.c.external_id,
        _channels.c.group_id,
        _channels.c.credentials_encrypted,
        _channels.c.settings,
        _conversations.c.conversation_key,
        _conversations.c.last_inbound_at,
        _outbox.c.parts_sent,
        _parts.c.part_index,
        _parts.c.platform_message_id,
        _parts.c.unconfirmed,
    )
    .select_from(
        _messages.join(
            _channels,
            and_(_channels.c.id == _messages.c.channel_id, _channels.c.tenant_id == _messages.c.tenant_id),
        )
        .join(
            _conversations,
            and_(
                _conversations.c.id == _messages.c.conversation_id,
                _conversations.c.tenant_id == _messages.c.tenant_id,
            ),
        )
        .join(
            _outbox,
            and_(_outbox.c.message_id == _messages.c.id, _outbox.c.tenant_id == _messages.c.tenant_id),
        )
        .outerjoin(
            _parts,
            and_(_parts.c.message_id == _messages.c.id, _parts.c.tenant_id == _messages.c.tenant_id),
        )
    )
    .where(_messages.c.tenant_id == bindparam("tenant"), _messages.c.id == bindparam("message"))
)


async def load_send_context(session: AsyncSession, claim: ClaimedSend) -> SendContext:
    """The message, its channel and conversation, the resume point and the parts recorded (one query)."""
    rows = (
        await session.execute(_SEND_CONTEXT, {"tenant": claim.tenant_id, "message": claim.message_id})
    ).all()
    if not rows:
        raise NoResultFound(f"outbox message {claim.message_id} is gone")
    row = rows[0]
    payload = row.payload or {}
    return SendContext(
        tenant_id=row.tenant_id,
        platform=row.platform,
        channel_id=row.channel_id,
        external_id=row.external_id,
        group_id=row.group_id,
        credentials_encrypted=row.credentials_encrypted,
        channel_settings=dict(row.settings or {}),
        recipient_id=row.conversation_key,
        role=row.role,
        text=row.text or "",
        choices=tuple(str(c) for c in payload.get("choices", ())),
        reply_to=payload.get("reply_to"),
        last_inbound_at=row.last_inbound_at,
        parts_sent=row.parts_sent,
        parts={
            part.part_index: PartRecord(part.platform_message_id, part.unconfirmed)
            for part in rows
            if part.part_index is not None
        },
        thread_control=payload.get("thread_control"),
    )


async def _finish(session: AsyncSession, claim: ClaimedSend, **values: object) -> bool:
    return await leases.finish(
        session,
        leases.OUTBOX,
        row_id=claim.id,
        tenant_id=claim.tenant_id,
        lock_token=claim.lock_token,
        values=values,
    )


async def renew_leases(
    session: AsyncSession, claims: Collection[ClaimedSend], *, lease_seconds: float, now: datetime
) -> set[int]:
    """Renew the leases of the sends this process works on; returns the ids still held."""
    held = [(claim.id, claim.lock_token) for claim in claims]
    return await leases.renew(session, leases.OUTBOX, held, lease_seconds=lease_seconds, now=now)


async def release_sends(session: AsyncSession, claims: Collection[ClaimedSend], *, now: datetime) -> set[int]:
    """Give back sends this process will not finish (it is stopping); returns the ids released."""
    held = [(claim.id, claim.lock_token) for claim in claims]
    return await leases.release(session, leases.OUTBOX, held, now=now)


async def reschedule(
    session: AsyncSession, claim: ClaimedSend, *, error: str, delay_seconds: float, now: datetime
) -> bool:
    return await leases.retry_later(
        session,
        leases.OUTBOX,
        row_id=claim.id,
        tenant_id=claim.tenant_id,
        lock_token=claim.lock_token,
        error=error,
        delay_seconds=delay_seconds,
        now=now,
    )


async def mark_failed(
    session: AsyncSession, claim: ClaimedSend, *, error: str, reason: str, now: datetime
) -> bool:
    if not await _finish(
        session, claim, status="failed", locked_until=None, last_error=error, updated_at=now
    ):
        return False
    await _fail_message(
        session, tenant_id=claim.tenant_id, message_id=claim.message_id, error=error, reason=reason, now=now
    )
    return True


async def _fail_message(
    session: AsyncSession, *, tenant_id: int, message_id: int, error: str, reason: str, now: datetime
) -> None:
    """Mark the message failed; an agent's reply that failed is also told to the agents' consoles."""
    await session.execute(
        update(Message)
        .where(Message.tenant_id == tenant_id, Message.id == message_id)
        .values(status="failed", error=error, failure_reason=reason, updated_at=now)
    )
    found = (
        await session.execute(
            select(Message.role, Message.conversation_id, Message.agent_id).where(
                Message.tenant_id == tenant_id, Message.id == message_id
            )
        )
    ).first()
    if found is not None and found.role == "agent":
        await live_events.publish(
            session,
            tenant_id=tenant_id,
            kind="failure",
            conversation_id=found.conversation_id,
            payload={
                "message_id": message_id,
                "role": "agent",
                "agent_id": found.agent_id,
                "reason": reason,
                "error": error,
            },
            now=now,
        )


async def flag_credentials(session: AsyncSession, *, tenant_id: int, channel_id: int) -> None:
    """The platform rejected the channel's token: mark the channel as needing new credentials."""
    await session.execute(
        update(Channel)
        .where(Channel.tenant_id == tenant_id, Channel.id == channel_id)
        .values(needs_credentials=True)
    )


async def unsent_for_event(session: AsyncSession, *, tenant_id: int, inbound_event_id: int) -> int:
    """How many replies produced by an inbound event are still waiting to be delivered."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .join(Message, and_(Message.id == OutboxItem.message_id, Message.tenant_id == OutboxItem.tenant_id))
        .where(
            OutboxItem.tenant_id == tenant_id,
            Message.inbound_event_id == inbound_event_id,
            OutboxItem.status.in_(UNFINISHED),
        )
    )
    return int(count or 0)
