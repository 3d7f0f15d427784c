"""Customer, conversation and message queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Customer, Message, Tenant
from storage.sql import insert_or_get, table


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
        ("tenant_id", "channel_id", "platform_user_id"),
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


@dataclass(frozen=True)
class KnownCustomer:
    id: int
    name: str | None
    first_name: str | None
    phone_e164: str | None
    lead_stage: str
    lead_score: int


@dataclass(frozen=True)
class OpenConversation:
    id: int
    status: str
    consecutive_fallbacks: int
    consecutive_negative: int
    csat_requested_at: datetime | None
    last_activity_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class TurnLookup:
    """What a turn looks up before it is answered, found in one query."""

    # The tenant's configuration counter; None if there is no such tenant.
    config_version: int | None
    # The platform message was stored before under another event id (a platform resend).
    already_stored: bool
    customer: KnownCustomer | None
    conversation: OpenConversation | None


# The columns the lookup reads are the fields of what it returns.
_CUSTOMER_COLUMNS = tuple(f.name for f in fields(KnownCustomer))
_CONVERSATION_COLUMNS = tuple(f.name for f in fields(OpenConversation))


def _turn_lookup_statement() -> Select[Any]:
    tenants, customers = table(Tenant), table(Customer)
    open_conversations, messages = table(Conversation), table(Message)
    tenant_id: BindParameter[int] = bindparam("tenant_id")
    channel_id: BindParameter[int] = bindparam("channel_id")
    stored = exists().where(
        messages.c.tenant_id == tenant_id,
        messages.c.channel_id == channel_id,
        messages.c.platform_message_id == bindparam("platform_message_id"),
    )
    customer_on = and_(
        customers.c.tenant_id == tenants.c.id,
        customers.c.channel_id == channel_id,
        customers.c.platform_user_id == bindparam("platform_user_id"),
    )
    conversation_on = and_(
        open_conversations.c.tenant_id == tenants.c.id,
        open_conversations.c.channel_id == channel_id,
        open_conversations.c.conversation_key == bindparam("conversation_key"),
        open_conversations.c.status != "closed",
    )
    return (
        select(
            tenants.c.config_version,
            stored.label("already_stored"),
            *(customers.c[name].label(f"customer_{name}") for name in _CUSTOMER_COLUMNS),
            *(open_conversations.c[name].label(f"conversation_{name}") for name in _CONVERSATION_COLUMNS),
        )
        .select_from(tenants.outerjoin(customers, customer_on).outerjoin(open_conversations, conversation_on))
        .where(tenants.c.id == tenant_id)
        .limit(1)
    )


# Built once, compiled once: it runs on every turn.
_TURN_LOOKUP = _turn_lookup_statement()


async def turn_lookup(
    session: AsyncSession,
    *,
    tenant_id: int,
    channel_id: int,
    platform_user_id: str,
    conversation_key: str,
    platform_message_id: str | None,
) -> TurnLookup:
    """The tenant's configuration counter, whether the message is a resend, the customer and the open
    conversation (a message without a platform id is never a resend).
    """
    params = {
        "tenant_id": tenant_id,
        "channel_id": channel_id,
        "platform_user_id": platform_user_id,
        "conversation_key": conversation_key,
        "platform_message_id": platform_message_id,
    }
    row = (await session.execute(_TURN_LOOKUP, params)).mappings().first()
    if row is None:
        return TurnLookup(None, False, None, None)
    customer = conversation = None
    if row["customer_id"] is not None:
        customer = KnownCustomer(*(row[f"customer_{name}"] for name in _CUSTOMER_COLUMNS))
    if row["conversation_id"] is not None:
        conversation = OpenConversation(*(row[f"conversation_{name}"] for name in _CONVERSATION_COLUMNS))
    stored = platform_message_id is not None and bool(row["already_stored"])
    return TurnLookup(row["config_version"], stored, customer, conversation)


def is_expired(
    conversation: Conversation | OpenConversation, inactivity_timeout: timedelta, now: datetime
) -> bool:
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
    rows = (await session.execute(_WINDOW, params)).all()
    whole = len(rows) < limit  # the window holds the whole conversation
    inbound = [row for row in rows if row.direction == "in"]
    if whole or len(inbound) >= EARLIER_LIMIT:
        earlier = _earlier([(r.intent, r.source, r.ad_id, r.post_id) for r in inbound[:EARLIER_LIMIT]])
    else:
        earlier = await earlier_inbound(session, tenant_id=tenant_id, conversation_id=conversation_id)
    later = any(
        row.inbound_event_id is not None and row.inbound_event_id > inbound_event_id for row in inbound
    )
    if not later and not whole:
        later = await answered_later(
            session, tenant_id=tenant_id, conversation_id=conversation_id, inbound_event_id=inbound_event_id
        )
    history = tuple((row.role, row.text) for row in reversed(rows) if row.text)
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
