"""Queries behind the agents' API: agents and their load, the queue, a conversation's card and transcript.

Every query takes the tenant's id, except the token lookup: the unguessable token is what names the tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Agent,
    AgentNote,
    Channel,
    Conversation,
    Customer,
    Group,
    Handoff,
    Message,
    Tenant,
    ToolCall,
)

WAITING = "escalated"
OWNED = "transferred"


@dataclass(frozen=True)
class ConversationRow:
    """A conversation with what a list of conversations shows of it."""

    conversation: Conversation
    platform: str
    customer: Customer | None
    group_name: str | None
    handoff: Handoff | None
    last_message: Message | None


# -- agents ----------------------------------------------------------------------------------------------


async def agent_by_token_hash(session: AsyncSession, token_hash: str) -> tuple[Agent, Tenant] | None:
    """The agent holding this token, with its tenant (the one lookup not scoped by tenant)."""
    row = (
        await session.execute(
            select(Agent, Tenant)
            .join(Tenant, Tenant.id == Agent.tenant_id)
            .where(Agent.token_hash == token_hash)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def mark_seen(
    session: AsyncSession, *, tenant_id: int, agent_id: int, now: datetime, unless_since: datetime
) -> None:
    """Set the agent's last_seen_at to ``now`` unless it was already seen at or after ``unless_since``."""
    await session.execute(
        update(Agent)
        .where(
            Agent.tenant_id == tenant_id,
            Agent.id == agent_id,
            or_(Agent.last_seen_at.is_(None), Agent.last_seen_at < unless_since),
        )
        .values(last_seen_at=now, updated_at=Agent.updated_at)
    )


async def list_agents(session: AsyncSession, tenant_id: int) -> list[Agent]:
    rows = await session.scalars(select(Agent).where(Agent.tenant_id == tenant_id).order_by(Agent.name))
    return list(rows.all())


async def get_agent(
    session: AsyncSession, tenant_id: int, agent_id: int, *, lock: bool = False
) -> Agent | None:
    """The tenant's agent; ``lock`` holds its row (PostgreSQL) so that its load is counted once at a time."""
    query = select(Agent).where(Agent.tenant_id == tenant_id, Agent.id == agent_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def open_loads(session: AsyncSession, tenant_id: int, agent_ids: Sequence[int]) -> dict[int, int]:
    """How many conversations each agent owns now (status transferred), by agent id (0 when none)."""
    if not agent_ids:
        return {}
    rows = await session.execute(
        select(Conversation.assigned_agent_id, func.count())
        .where(
            Conversation.tenant_id == tenant_id,
            Conversation.status == OWNED,
            Conversation.assigned_agent_id.in_(list(agent_ids)),
        )
        .group_by(Conversation.assigned_agent_id)
    )
    loads = {agent_id: 0 for agent_id in agent_ids}
    for agent_id, count in rows.all():
        if agent_id is not None:
            loads[int(agent_id)] = int(count)
    return loads


async def agents_seen_since(session: AsyncSession, tenant_id: int, since: datetime) -> list[Agent]:
    """The tenant's active agents seen at or after ``since``."""
    rows = await session.scalars(
        select(Agent)
        .where(Agent.tenant_id == tenant_id, Agent.active.is_(True), Agent.last_seen_at >= since)
        .order_by(Agent.id)
    )
    return list(rows.all())


# -- conversations ---------------------------------------------------------------------------------------


async def get_conversation(
    session: AsyncSession, tenant_id: int, conversation_id: int
) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.tenant_id == tenant_id, Conversation.id == conversation_id)
    )


async def waiting_conversations(
    session: AsyncSession, tenant_id: int, *, limit: int | None = None
) -> list[Conversation]:
    """Conversations waiting for an agent (escalated, unclaimed), oldest escalation first."""
    query = (
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, Conversation.status == WAITING)
        .order_by(func.coalesce(Conversation.escalated_at, Conversation.created_at), Conversation.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list((await session.scalars(query)).all())


async def owned_conversations(session: AsyncSession, tenant_id: int, agent_id: int) -> list[Conversation]:
    """The agent's open conversations, oldest escalation first."""
    rows = await session.scalars(
        select(Conversation)
        .where(
            Conversation.tenant_id == tenant_id,
            Conversation.status == OWNED,
            Conversation.assigned_agent_id == agent_id,
        )
        .order_by(func.coalesce(Conversation.escalated_at, Conversation.created_at), Conversation.id)
    )
    return list(rows.all())


async def people_owned_conversations(session: AsyncSession, tenant_id: int) -> list[Conversation]:
    """Every conversation waiting for or owned by an agent, oldest escalation first."""
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, Conversation.status.in_((WAITING, OWNED)))
        .order_by(func.coalesce(Conversation.escalated_at, Conversation.created_at), Conversation.id)
    )
    return list(rows.all())


async def describe_conversations(
    session: AsyncSession, tenant_id: int, conversations: Sequence[Conversation]
) -> list[ConversationRow]:
    """Each conversation with its platform, customer (or group), latest handoff and last message, in order."""
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    platforms = dict(
        (
            await session.execute(
                select(Channel.id, Channel.platform).where(
                    Channel.tenant_id == tenant_id,
                    Channel.id.in_({c.channel_id for c in conversations}),
                )
            )
        ).all()
    )
    customer_ids = {c.customer_id for c in conversations if c.customer_id is not None}
    customers = {
        c.id: c
        for c in (
            await session.scalars(
                select(Customer).where(Customer.tenant_id == tenant_id, Customer.id.in_(customer_ids))
            )
        ).all()
    }
    group_ids = {c.group_id for c in conversations if c.group_id is not None}
    groups = dict(
        (
            await session.execute(
                select(Group.id, Group.name).where(Group.tenant_id == tenant_id, Group.id.in_(group_ids))
            )
        ).all()
    )
    handoffs: dict[int, Handoff] = {}
    for handoff in (
        await session.scalars(
            select(Handoff)
            .where(Handoff.tenant_id == tenant_id, Handoff.conversation_id.in_(ids))
            .order_by(Handoff.id)
        )
    ).all():
        handoffs[handoff.conversation_id] = handoff  # the latest wins
    # The customer's last words: what an agent picking from the queue wants to see (not the bot's
    # handoff message, which every waiting conversation ends with).
    last_ids = (
        select(func.max(Message.id))
        .where(Message.tenant_id == tenant_id, Message.conversation_id.in_(ids), Message.direction == "in")
        .group_by(Message.conversation_id)
    )
    last_messages = {
        m.conversation_id: m
        for m in (
            await session.scalars(
                select(Message).where(Message.tenant_id == tenant_id, Message.id.in_(last_ids))
            )
        ).all()
    }
    return [
        ConversationRow(
            conversation=c,
            platform=platforms.get(c.channel_id, ""),
            customer=customers.get(c.customer_id) if c.customer_id is not None else None,
            group_name=groups.get(c.group_id) if c.group_id is not None else None,
            handoff=handoffs.get(c.id),
            last_message=last_messages.get(c.id),
        )
        for c in conversations
    ]


async def latest_handoff(session: AsyncSession, tenant_id: int, conversation_id: int) -> Handoff | None:
    return await session.scalar(
        select(Handoff)
        .where(Handoff.tenant_id == tenant_id, Handoff.conversation_id == conversation_id)
        .order_by(Handoff.id.desc())
        .limit(1)
    )


async def first_touch(session: AsyncSession, tenant_id: int, conversation_id: int) -> Message | None:
    """The conversation's first customer message that came from an ad, a post or a referral, if any."""
    return await session.scalar(
        select(Message)
        .where(
            Message.tenant_id == tenant_id,
            Message.conversation_id == conversation_id,
            Message.direction == "in",
            Message.source != "direct",
        )
        .order_by(Message.id)
        .limit(1)
    )


async def notes_of(
    session: AsyncSession, tenant_id: int, conversation_id: int
) -> list[tuple[AgentNote, str | None]]:
    """The conversation's internal notes, oldest first, each with its author's name."""
    rows = await session.execute(
        select(AgentNote, Agent.name)
        .outerjoin(Agent, and_(Agent.id == AgentNote.agent_id, Agent.tenant_id == AgentNote.tenant_id))
        .where(AgentNote.tenant_id == tenant_id, AgentNote.conversation_id == conversation_id)
        .order_by(AgentNote.id)
    )
    return [(note, name) for note, name in rows.all()]


async def transcript_page(
    session: AsyncSession, tenant_id: int, conversation_id: int, *, before_id: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to ``limit`` messages, newest first, with ids below ``before_id``; and whether more are older."""
    query = select(Message).where(Message.tenant_id == tenant_id, Message.conversation_id == conversation_id)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = list((await session.scalars(query.order_by(Message.id.desc()).limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit


async def tool_calls_of(session: AsyncSession, tenant_id: int, message_ids: Sequence[int]) -> list[ToolCall]:
    if not message_ids:
        return []
    rows = await session.scalars(
        select(ToolCall)
        .where(ToolCall.tenant_id == tenant_id, ToolCall.message_id.in_(list(message_ids)))
        .order_by(ToolCall.id)
    )
    return list(rows.all())


async def tenant_settings(session: AsyncSession) -> list[tuple[int, dict[str, Any]]]:
    """Every active tenant's id and settings (operator-level: the tenants table is small)."""
    rows = await session.execute(select(Tenant.id, Tenant.settings).where(Tenant.active.is_(True)))
    return [(int(tenant_id), dict(settings or {})) for tenant_id, settings in rows.all()]
