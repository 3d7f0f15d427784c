"""Forget a customer on request: personal data erased, the interactions kept anonymised for analytics.

Erased: the customer's name, first name, phone and platform id (replaced by ``erased:<id>``, so the
platform's user can write again and is a new customer); their group memberships (deleted); the text of
every message they wrote and of every message in their own conversations (agents' and the bot's replies
quote them), and of the bot's replies to them in groups; inbound payloads (attachments, locations,
referral details), the ad click ids (``ctwa_clid``) and refs kept as touches on their messages,
conversations and conversions, tool calls' arguments, results and errors, handoff summaries and notes,
agents' notes, CSAT comments, conversion notes, free-text reasons (the assistant's or an agent's), the
agents' live events and notification bodies about their conversations, and the stored webhook records
of their messages. Their open conversations are closed, and replies still waiting to be sent are not sent.

Kept: every row with its ids, timestamps, roles, routes, intents, sentiment, tokens, statuses, lead
stage and score, conversions with their values, tool names and durations, so counts and reports stay
right. An ``erasures`` row records who asked and when. A second request changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import AdminError
from bot.handoff.conversation_states import OPEN, SYSTEM, transition
from bot.leads.erasure_steps import (
    FORGOTTEN_REASON,
    UNTRACEABLE_TOUCHES,
    erase_conversation_texts,
    erase_inbound_events,
    erase_messages,
    erase_shared_mentions,
    erase_tool_calls,
    leave_groups,
    messages_about,
    scrub_reasons_and_notes,
)
from storage.models import Channel, Conversation, Customer, Erasure


class UnknownCustomer(AdminError):
    """No such customer in this tenant."""


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a customer did (all zero when it had been done before)."""

    customer_id: int
    erased_at: datetime
    already: bool
    messages: int = 0
    memberships: int = 0
    conversations_closed: int = 0


async def customer_by_platform_id(
    session: AsyncSession, tenant_id: int, *, platform: str, platform_user_id: str
) -> int:
    """The id of the tenant's customer with this platform user id; UnknownCustomer if none (a forgotten
    customer no longer has it), AdminError if several channels of the platform know that user."""
    rows = await session.scalars(
        select(Customer.id)
        .join(Channel, and_(Channel.id == Customer.channel_id, Channel.tenant_id == Customer.tenant_id))
        .where(
            Customer.tenant_id == tenant_id,
            Channel.platform == platform,
            Customer.platform_user_id == platform_user_id,
        )
        .order_by(Customer.id)
    )
    ids = list(rows.all())
    if not ids:
        raise UnknownCustomer(
            f"no {platform} customer with user id {platform_user_id!r} in this tenant "
            "(a forgotten customer is no longer found by it)"
        )
    if len(ids) > 1:
        raise AdminError(
            f"{len(ids)} {platform} channels know user {platform_user_id!r} "
            f"(customers {', '.join(map(str, ids))}): name one by its id"
        )
    return ids[0]


async def forget_customer(
    session: AsyncSession, tenant_id: int, customer_id: int, *, requested_by: str, now: datetime
) -> Forgotten:
    """Erase the customer's personal data (see the module's docstring), in the caller's transaction.

    Raises UnknownCustomer when the tenant has no such customer, AdminError without a requester.
    """
    requested_by = " ".join(requested_by.split())[:200]
    if not requested_by:
        raise AdminError("say who asked for the customer to be forgotten")
    customer = await session.scalar(
        select(Customer)
        .where(Customer.tenant_id == tenant_id, Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if customer is None:
        raise UnknownCustomer(f"no customer with id {customer_id} in this tenant")
    if customer.erased_at is not None:
        return Forgotten(customer.id, customer.erased_at, already=True)

    own = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.tenant_id == tenant_id, Conversation.customer_id == customer.id)
            .order_by(Conversation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    own_ids = [c.id for c in own]
    closed = 0
    for conversation in own:
        if conversation.status in OPEN:
            await transition(session, conversation, "closed", actor=SYSTEM, now=now, reason=FORGOTTEN_REASON)
            closed += 1
        conversation.conversation_key = f"erased:{conversation.id}"
        for column, value in UNTRACEABLE_TOUCHES.items():
            setattr(conversation, column, value)

    messages = messages_about(tenant_id, customer.id, own_ids)
    message_ids = list((await session.scalars(messages)).all())
    await erase_messages(session, tenant_id, message_ids, now)
    await erase_inbound_events(session, customer, messages, now)
    await erase_tool_calls(session, tenant_id, messages, own_ids)
    if own_ids:
        await erase_conversation_texts(session, tenant_id, own_ids, now)
    await erase_shared_mentions(session, customer, message_ids, own_ids)
    memberships = await leave_groups(session, customer)
    await scrub_reasons_and_notes(session, tenant_id, customer.id, now)

    customer.name = customer.first_name = customer.phone_e164 = None
    customer.platform_user_id = f"erased:{customer.id}"
    customer.erased_at = now
    session.add(
        Erasure(
            tenant_id=tenant_id,
            customer_id=customer.id,
            requested_by=requested_by,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return Forgotten(customer.id, now, False, len(message_ids), memberships, closed)
