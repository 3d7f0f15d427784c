"""Attribution queries: the bot turn a conversion is owed to, and the intent of the message it answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Conversation, Message


@dataclass(frozen=True)
class BotTurn:
    """A reply the bot sent: the message and the conversation it belongs to."""

    message_id: int
    conversation_id: int


@dataclass(frozen=True)
class TurnIntent:
    intent: str | None
    intent_score: float | None


def _bot_replies(
    tenant_id: int, routes: Sequence[str], since: datetime, until: datetime
) -> list[ColumnElement[bool]]:
    """Bot replies on one of ``routes`` sent between ``since`` and ``until``."""
    return [
        Message.tenant_id == tenant_id,
        Message.role == "assistant",
        Message.route.in_(routes),
        Message.created_at >= since,
        Message.created_at <= until,
    ]


_NEWEST_FIRST = (Message.created_at.desc(), Message.id.desc())


async def last_bot_turn_in_conversation(
    session: AsyncSession,
    *,
    tenant_id: int,
    conversation_id: int,
    routes: Sequence[str],
    since: datetime,
    until: datetime,
) -> BotTurn | None:
    """The conversation's latest bot reply on one of ``routes`` sent between ``since`` and ``until``."""
    query = (
        select(Message.id, Message.conversation_id)
        .where(*_bot_replies(tenant_id, routes, since, until), Message.conversation_id == conversation_id)
        .order_by(*_NEWEST_FIRST)
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else BotTurn(row.id, row.conversation_id)


async def last_bot_turn_of_customer(
    session: AsyncSession,
    *,
    tenant_id: int,
    customer_id: int,
    routes: Sequence[str],
    since: datetime,
    until: datetime,
) -> BotTurn | None:
    """The latest such bot reply in any of the customer's own (one-to-one) conversations."""
    query = (
        select(Message.id, Message.conversation_id)
        .join(
            Conversation,
            and_(
                Conversation.id == Message.conversation_id,
                Conversation.tenant_id == tenant_id,
                Conversation.customer_id == customer_id,
            ),
        )
        .where(*_bot_replies(tenant_id, routes, since, until))
        .order_by(*_NEWEST_FIRST)
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else BotTurn(row.id, row.conversation_id)


async def latest_conversation_of_customer(
    session: AsyncSession, *, tenant_id: int, customer_id: int
) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, Conversation.customer_id == customer_id)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(1)
    )


async def intent_answered_by(session: AsyncSession, *, tenant_id: int, reply_id: int) -> TurnIntent:
    """The intent and score of the customer message that the bot reply ``reply_id`` answered.

    A turn stores its inbound message and its replies under the same inbound event; a reply made
    outside a turn (none there) answered nothing, and has no intent.
    """
    reply = aliased(Message)
    row = (
        await session.execute(
            select(Message.intent, Message.intent_score)
            .join(
                reply,
                and_(
                    reply.tenant_id == tenant_id,
                    reply.inbound_event_id == Message.inbound_event_id,
                    reply.conversation_id == Message.conversation_id,
                ),
            )
            .where(reply.id == reply_id, Message.tenant_id == tenant_id, Message.role == "user")
            .limit(1)
        )
    ).first()
    return TurnIntent(None, None) if row is None else TurnIntent(row.intent, row.intent_score)
