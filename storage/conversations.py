"""Customer, conversation and message queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
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


@dataclass(frozen=True)
class Earlier:
    """What the conversation's earlier customer messages tell a handoff summary."""

    intents: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Window:
    """What a turn reads of its open conversation's last messages."""

    # (role, text) of the last messages with text, oldest first.
    history: tuple[tuple[str, str], ...]
    earlier: Earlier
    # A customer message that arrived after this turn's event was handled already.
    answered_later: bool


EARLIER_LIMIT = 10
_MessageRow = tuple[
    str, "str | None", str, "str | None", "str | None", "str | None", "str | None", "int | None"
]

_WINDOW = (
    select(
        Message.role,
        Message.text,
        Message.direction,
        Message.intent,
        Message.source,
        Message.ad_id,
        Message.post_id,
        Message.inbound_event_id,
    )
    .where(
        Message.tenant_id == bindparam("tenant_id"), Message.conversation_id == bindparam("conversation_id")
    )
    .order_by(Message.id.desc())
    .limit(bindparam("limit"))
)


async def conversation_window(
    session: AsyncSession, *, tenant_id: int, conversation_id: int, limit: int, inbound_event_id: int
) -> Window:
    """The last ``limit`` messages in one query; the earlier intents and ``answered_later`` come from them
    too, unless the window is too short to tell (a long conversation), when they are asked for on their own.
    """
    params = {"tenant_id": tenant_id, "conversation_id": conversation_id, "limit": limit}
    rows: list[_MessageRow] = [tuple(row) for row in await session.execute(_WINDOW, params)]  # type: ignore[misc]
    whole = len(rows) < limit  # the window holds the whole conversation
    inbound = [row for row in rows if row[2] == "in"]
    if whole or len(inbound) >= EARLIER_LIMIT:
        earlier = _earlier([row[3:7] for row in inbound[:EARLIER_LIMIT]])
    else:
        earlier = await earlier_inbound(session, tenant_id=tenant_id, conversation_id=conversation_id)
    later = any(row[7] is not None and row[7] > inbound_event_id for row in inbound)
    if not later and not whole:
        later = await answered_later(
            session, tenant_id=tenant_id, conversation_id=conversation_id, inbound_event_id=inbound_event_id
        )
    history = tuple((role, text) for role, text, *_ in reversed(rows) if text)
    return Window(history, earlier, later)


async def earlier_inbound(
    session: AsyncSession, *, tenant_id: int, conversation_id: int, limit: int = EARLIER_LIMIT
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
    return _earlier([tuple(row) for row in rows])


def _earlier(newest_first: Sequence[Sequence[str | None]]) -> Earlier:
    """From (intent, source, ad_id, post_id) of customer messages, newest first."""
    intents = tuple(intent for intent, *_ in reversed(newest_first) if intent)
    source = next(
        (
            f"{src} {ad or post}" if ad or post else src
            for _, src, ad, post in newest_first
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
