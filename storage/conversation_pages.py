"""Pages of a tenant's conversations, transcripts, customers, lead history, handoffs and ratings.

Read by the admin API (through the capability services), newest first with keyset pages
(storage/keyset.py). Every query is scoped to the tenant it is given; a filter left as None is not applied.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.keyset import Page, newest_first
from storage.models import Conversation, Customer, Feedback, Handoff, LeadActivity, Message

# What a handoff is waiting for, from its timestamps: an agent to claim it, to resolve it, or nothing.
HANDOFF_STATES = ("waiting", "claimed", "resolved")


async def conversations_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    status: str | None,
    customer_id: int | None,
    limit: int,
    before: int | None,
) -> Page[Conversation]:
    statement = select(Conversation).where(Conversation.tenant_id == tenant_id)
    if status is not None:
        statement = statement.where(Conversation.status == status)
    if customer_id is not None:
        statement = statement.where(Conversation.customer_id == customer_id)
    return await newest_first(session, statement, Conversation.id, limit=limit, before=before)


async def messages_page(
    session: AsyncSession, tenant_id: int, conversation_id: int, *, limit: int, before: int | None
) -> Page[Message]:
    statement = select(Message).where(
        Message.tenant_id == tenant_id, Message.conversation_id == conversation_id
    )
    return await newest_first(session, statement, Message.id, limit=limit, before=before)


async def customers_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    lead_stage: str | None,
    lead_label: str | None,
    customer_type: str | None,
    limit: int,
    before: int | None,
) -> Page[Customer]:
    statement = select(Customer).where(Customer.tenant_id == tenant_id)
    if lead_stage is not None:
        statement = statement.where(Customer.lead_stage == lead_stage)
    if lead_label is not None:
        statement = statement.where(Customer.lead_label == lead_label)
    if customer_type is not None:
        statement = statement.where(Customer.customer_type == customer_type)
    return await newest_first(session, statement, Customer.id, limit=limit, before=before)


async def lead_history(
    session: AsyncSession, tenant_id: int, customer_id: int, *, limit: int
) -> list[LeadActivity]:
    """The customer's latest ``limit`` lead changes, newest first."""
    rows = await session.scalars(
        select(LeadActivity)
        .where(LeadActivity.tenant_id == tenant_id, LeadActivity.customer_id == customer_id)
        .order_by(LeadActivity.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def handoffs_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    state: str | None,
    trigger: str | None,
    conversation_id: int | None,
    limit: int,
    before: int | None,
) -> Page[Handoff]:
    statement = select(Handoff).where(Handoff.tenant_id == tenant_id)
    if state == "waiting":
        statement = statement.where(Handoff.accepted_at.is_(None), Handoff.resolved_at.is_(None))
    elif state == "claimed":
        statement = statement.where(Handoff.accepted_at.is_not(None), Handoff.resolved_at.is_(None))
    elif state == "resolved":
        statement = statement.where(Handoff.resolved_at.is_not(None))
    elif state is not None:
        raise ValueError(f"unknown handoff state {state!r}")
    if trigger is not None:
        statement = statement.where(Handoff.trigger == trigger)
    if conversation_id is not None:
        statement = statement.where(Handoff.conversation_id == conversation_id)
    return await newest_first(session, statement, Handoff.id, limit=limit, before=before)


async def feedback_page(
    session: AsyncSession,
    tenant_id: int,
    *,
    rating: int | None,
    conversation_id: int | None,
    limit: int,
    before: int | None,
) -> Page[Feedback]:
    statement = select(Feedback).where(Feedback.tenant_id == tenant_id)
    if rating is not None:
        statement = statement.where(Feedback.rating == rating)
    if conversation_id is not None:
        statement = statement.where(Feedback.conversation_id == conversation_id)
    return await newest_first(session, statement, Feedback.id, limit=limit, before=before)
