"""Customer, conversation and message queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Customer, Message
from storage.sql import insert_or_get


async def get_or_create_customer(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    platform_user_id: str,
    name: str | None,
    now: datetime,
    phone_e164: str | None = None,
) -> Customer:
    """The customer for a platform user on a channel, created on first contact (safe under races)."""
    first_name = name.split()[0] if name and name.split() else None
    row = {
        "tenant_id": tenant_id,
        "channel_id": channel_id,
        "platform_user_id": platform_user_id,
        "name": name,
        "first_name": first_name,
        "phone_e164": phone_e164,
        "lead_stage": "intake",
        "lead_score": 0,
        "lead_label": "cold",
        "customer_type": "new",
        "created_at": now,
        "updated_at": now,
    }
    customer = await insert_or_get(
        session,
        Customer,
        row,
        Customer.tenant_id == tenant_id,
        Customer.channel_id == channel_id,
        Customer.platform_user_id == platform_user_id,
    )
    if name and customer.name != name:
        customer.name, customer.first_name = name, first_name
    if phone_e164 and customer.phone_e164 != phone_e164:
        customer.phone_e164 = phone_e164
    customer.last_seen_at = now
    return customer


async def find_open_conversation(
    session: AsyncSession, *, tenant_id: int, channel_id: int, conversation_key: str
) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(
            Conversation.tenant_id == tenant_id,
            Conversation.channel_id == channel_id,
            Conversation.conversation_key == conversation_key,
            Conversation.status != "closed",
        )
    )


async def find_customer(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_user_id: str
) -> Customer | None:
    return await session.scalar(
        select(Customer).where(
            Customer.tenant_id == tenant_id,
            Customer.channel_id == channel_id,
            Customer.platform_user_id == platform_user_id,
        )
    )


def is_expired(conversation: Conversation, inactivity_timeout: timedelta, now: datetime) -> bool:
    """Whether an open conversation went quiet for longer than the tenant's inactivity timeout."""
    last = conversation.last_activity_at or conversation.created_at
    return now - last > inactivity_timeout


async def start_conversation(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    bot_id: int,
    customer_id: int | None,
    group_id: int | None,
    conversation_key: str,
    now: datetime,
) -> Conversation:
    conversation = Conversation(
        tenant_id=tenant_id,
        channel_id=channel_id,
        bot_id=bot_id,
        customer_id=customer_id,
        group_id=group_id,
        conversation_key=conversation_key,
        status="new",
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def recent_messages(
    session: AsyncSession, *, tenant_id: int, conversation_id: int, limit: int
) -> list[Message]:
    """The conversation's last ``limit`` messages, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.tenant_id == tenant_id, Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


@dataclass(frozen=True)
class Earlier:
    """What the conversation's earlier customer messages tell a handoff summary."""

    intents: tuple[str, ...] = ()
    source: str | None = None


async def earlier_inbound(
    session: AsyncSession, *, tenant_id: int, conversation_id: int, limit: int = 10
) -> Earlier:
    """The intents of the conversation's last customer messages (oldest first), and where it came from."""
    rows = (
        await session.execute(
            select(Message.intent, Message.source, Message.ad_id, Message.post_id)
            .where(
                Message.tenant_id == tenant_id,
                Message.conversation_id == conversation_id,
                Message.direction == "in",
            )
            .order_by(Message.id.desc())
            .limit(limit)
        )
    ).all()
    intents = tuple(intent for intent, *_ in reversed(rows) if intent)
    source = next(
        (
            f"{src} {ad or post}" if ad or post else src
            for _, src, ad, post in rows
            if src and src != "direct"
        ),
        None,
    )
    return Earlier(intents, source)


async def message_exists(
    session: AsyncSession, *, tenant_id: int, channel_id: int, platform_message_id: str
) -> bool:
    found = await session.scalar(
        select(Message.id).where(
            Message.tenant_id == tenant_id,
            Message.channel_id == channel_id,
            Message.platform_message_id == platform_message_id,
        )
    )
    return found is not None


async def answered_later(
    session: AsyncSession, *, tenant_id: int, conversation_id: int, inbound_event_id: int
) -> bool:
    """Whether a customer message that arrived after this event was already handled in the conversation."""
    found = await session.scalar(
        select(Message.id)
        .where(
            Message.tenant_id == tenant_id,
            Message.conversation_id == conversation_id,
            Message.direction == "in",
            Message.inbound_event_id > inbound_event_id,
        )
        .limit(1)
    )
    return found is not None
