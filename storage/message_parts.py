"""The parts of our outbound messages as sent: recorded before each goes out and with its platform id
once accepted, so that an echo or a status names the part even when the send's answer was lost.

A platform id that is already recorded elsewhere is left off, never a reason to fail: the platform has
the message. The send path's statements are Core, built once and run with their parameters.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, String, and_, bindparam, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Message, MessagePart
from storage.sql import insert_ignoring_conflicts, table

_parts = table(MessagePart)
# Aliases, so that the check can run inside an UPDATE of either table.
_known_message = table(Message).alias("known_message")
_known_part = _parts.alias("known_part")


class Sending(Protocol):
    """The send a part belongs to (the outbox's claim)."""

    @property
    def tenant_id(self) -> int: ...
    @property
    def message_id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def conversation_id(self) -> int: ...


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


async def record_part_attempt(
    session: AsyncSession, claim: Sending, *, part_index: int, text: str, now: datetime
) -> None:
    """Note that a part is about to be sent, so that its echo is recognised whatever happens next."""
    await session.execute(
        insert_ignoring_conflicts(session, MessagePart),
        {
            "tenant_id": claim.tenant_id,
            "message_id": claim.message_id,
            "channel_id": claim.channel_id,
            "conversation_id": claim.conversation_id,
            "part_index": part_index,
            "text_digest": text_digest(text),
            "unconfirmed": False,
            "created_at": now,
            "updated_at": now,
        },
    )


def platform_id_recorded(
    *, tenant_id: object, channel_id: object, platform_message_id: object
) -> ColumnElement[bool]:
    """Whether a message or a part of ours on this channel has this platform id (values or bind params)."""
    on_message = exists().where(
        _known_message.c.tenant_id == tenant_id,
        _known_message.c.channel_id == channel_id,
        _known_message.c.platform_message_id == platform_message_id,
    )
    on_part = exists().where(
        _known_part.c.tenant_id == tenant_id,
        _known_part.c.channel_id == channel_id,
        _known_part.c.platform_message_id == platform_message_id,
    )
    return on_message | on_part


_ACCEPTED_ID = bindparam("accepted_id", type_=String())
# The part as accepted, and its platform id unless it has one or the id is recorded elsewhere. The check
# is in the statement: on SQLite, which writes one transaction at a time, no clash is left to catch.
_PART_ACCEPTED = (
    update(_parts)
    .where(
        _parts.c.tenant_id == bindparam("tenant"),
        _parts.c.message_id == bindparam("message"),
        _parts.c.part_index == bindparam("part"),
    )
    .values(
        unconfirmed=False,
        sent_at=bindparam("now"),
        updated_at=bindparam("now"),
        platform_message_id=func.coalesce(
            _parts.c.platform_message_id,
            case(
                (
                    ~platform_id_recorded(
                        tenant_id=bindparam("tenant"),
                        channel_id=bindparam("channel"),
                        platform_message_id=_ACCEPTED_ID,
                    ),
                    _ACCEPTED_ID,
                )
            ),
        ),
    )
)


async def record_part_accepted(
    session: AsyncSession, claim: Sending, *, part_index: int, platform_message_id: str | None, now: datetime
) -> None:
    """The platform accepted a part: it is sent, with its platform id (None: not known).

    An id already recorded on another message or part is left off. On PostgreSQL a writer in another
    transaction can still record the same id between the check and this write: then the unique index
    raises IntegrityError, and the caller writes again with ``platform_message_id=None``.
    """
    await session.execute(
        _PART_ACCEPTED,
        {
            "tenant": claim.tenant_id,
            "channel": claim.channel_id,
            "message": claim.message_id,
            "part": part_index,
            "accepted_id": platform_message_id,
            "now": now,
        },
    )


async def mark_part_unconfirmed(
    session: AsyncSession, claim: Sending, *, part_index: int, now: datetime
) -> None:
    """The send of this part got no answer: the platform may have it (an echo or status may tell)."""
    await session.execute(
        update(MessagePart)
        .where(
            MessagePart.tenant_id == claim.tenant_id,
            MessagePart.message_id == claim.message_id,
            MessagePart.part_index == part_index,
            MessagePart.platform_message_id.is_(None),
        )
        .values(unconfirmed=True, updated_at=now)
    )


async def set_if_unique(session: AsyncSession, statement: Any) -> None:
    """Run an UPDATE that sets a unique platform id; a clash leaves the id off instead of failing."""
    try:
        async with session.begin_nested():
            await session.execute(statement)
    except IntegrityError:
        pass


async def platform_id_known(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_message_id: str
) -> bool:
    """Whether this platform message id is recorded on a message or on a part of one of ours."""
    recorded = platform_id_recorded(
        tenant_id=tenant_id, channel_id=channel_id, platform_message_id=platform_message_id
    )
    return bool(await session.scalar(select(recorded)))


async def claim_echo(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    conversation_id: int,
    text: str,
    platform_message_id: str,
    now: datetime,
) -> bool:
    """Match an echo to a part of ours still waiting for its id (same text); True if it is ours."""
    part_id = await session.scalar(
        select(MessagePart.id)
        .where(
            MessagePart.tenant_id == tenant_id,
            MessagePart.channel_id == channel_id,
            MessagePart.conversation_id == conversation_id,
            MessagePart.text_digest == text_digest(text),
            MessagePart.platform_message_id.is_(None),
        )
        .order_by(MessagePart.id)
        .limit(1)
    )
    if part_id is None:
        return False
    await set_if_unique(
        session,
        update(MessagePart)
        .where(MessagePart.tenant_id == tenant_id, MessagePart.id == part_id)
        .values(platform_message_id=platform_message_id, unconfirmed=False, updated_at=now),
    )
    return True


async def claim_status_for_unconfirmed(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    conversation_key: str,
    platform_message_id: str,
    now: datetime,
) -> int | None:
    """A status for an id we never learned: if exactly one part of this conversation lost its send's
    answer, the status is for that part. Returns the part's message id when matched.
    """
    rows = (
        await session.execute(
            select(MessagePart.id, MessagePart.message_id)
            .join(
                Conversation,
                and_(Conversation.id == MessagePart.conversation_id, Conversation.tenant_id == tenant_id),
            )
            .where(
                MessagePart.tenant_id == tenant_id,
                MessagePart.channel_id == channel_id,
                Conversation.conversation_key == conversation_key,
                MessagePart.unconfirmed.is_(True),
                MessagePart.platform_message_id.is_(None),
            )
            .limit(2)
        )
    ).all()
    if len(rows) != 1:
        return None
    part_id, message_id = rows[0]
    await set_if_unique(
        session,
        update(MessagePart)
        .where(MessagePart.tenant_id == tenant_id, MessagePart.id == part_id)
        .values(platform_message_id=platform_message_id, unconfirmed=False, updated_at=now),
    )
    return int(message_id)
