"""What a tenant's conversations, customers, agents, groups and LLM calls did in a period.

Each query starts from the tenant's rows in the period, through an index that leads with ``tenant_id``
and the period's timestamp, so a large tenant's report reads its own period and nothing else. Rows
reached through one of those conversations (its messages, its handoffs) are read by the conversation's
id alone: they are written with their conversation and share its tenant, and naming the tenant again
lets SQLite walk the tenant's whole index instead of the conversation's few rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.figures import Period
from bot.analytics.revenue_queries import in_period
from storage.models import (
    Bot,
    Conversation,
    Customer,
    Feedback,
    Group,
    GroupMember,
    Handoff,
    Message,
    UsageLog,
)

ENDED = ("resolved", "closed")


@dataclass(frozen=True)
class ConversationCounts:
    """One bot's handled conversations that started in the period, and what became of them."""

    bot_id: int
    handled: int
    handed_off: int
    ended: int
    contained: int


@dataclass(frozen=True)
class HandoffTiming:
    trigger: str
    requested_at: datetime
    claimed_at: datetime | None


@dataclass(frozen=True)
class UsageTotals:
    bot_id: int | None
    calls: int
    credits: int
    prompt_tokens: int
    completion_tokens: int
    recorded_cost: Decimal


@dataclass(frozen=True)
class GroupActivity:
    group_id: int
    name: str
    members: int
    paid_subscribers: int
    active_members: int
    interactions: int
    mean_engagement: float | None


async def tenant_bots(session: AsyncSession, tenant_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(select(Bot.id, Bot.name).where(Bot.tenant_id == tenant_id).order_by(Bot.id))
    return [(bot_id, name) for bot_id, name in rows.all()]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition``."""
    return func.sum(case((condition, 1), else_=0))


async def conversation_counts(
    session: AsyncSession, tenant_id: int, period: Period
) -> list[ConversationCounts]:
    """Per bot: handled conversations started in the period, handed off, ended, ended without a human."""
    replied = exists().where(Message.conversation_id == Conversation.id, Message.role == "assistant")
    agent_wrote = exists().where(Message.conversation_id == Conversation.id, Message.role == "agent")
    handed_off = exists().where(Handoff.conversation_id == Conversation.id)
    ended = Conversation.status.in_(ENDED)
    rows = await session.execute(
        select(
            Conversation.bot_id,
            func.count(),
            _flag(handed_off),
            _flag(ended),
            _flag(and_(ended, not_(handed_off), not_(agent_wrote))),
        )
        .where(Conversation.tenant_id == tenant_id, *in_period(Conversation.created_at, period), replied)
        .group_by(Conversation.bot_id)
    )
    return [
        ConversationCounts(bot_id, int(handled), int(off or 0), int(done or 0), int(contained or 0))
        for bot_id, handled, off, done, contained in rows.all()
    ]


async def handoff_timings(session: AsyncSession, tenant_id: int, period: Period) -> list[HandoffTiming]:
    """The handoffs requested in the period: trigger, requested at, claimed at (None: never claimed)."""
    rows = await session.execute(
        select(Handoff.trigger, Handoff.requested_at, Handoff.accepted_at).where(
            Handoff.tenant_id == tenant_id, *in_period(Handoff.requested_at, period)
        )
    )
    return [HandoffTiming(trigger, requested, claimed) for trigger, requested, claimed in rows.all()]


async def rating_counts(session: AsyncSession, tenant_id: int, period: Period) -> dict[int, int]:
    """How many ratings of each value (1-5) were given in the period."""
    rows = await session.execute(
        select(Feedback.rating, func.count())
        .where(Feedback.tenant_id == tenant_id, *in_period(Feedback.created_at, period))
        .group_by(Feedback.rating)
    )
    return {rating: count for rating, count in rows.all()}


async def stage_counts(session: AsyncSession, tenant_id: int, period: Period) -> dict[str, int]:
    """The customers first seen in the period, by the lead stage they are at now."""
    rows = await session.execute(
        select(Customer.lead_stage, func.count())
        .where(Customer.tenant_id == tenant_id, *in_period(Customer.created_at, period))
        .group_by(Customer.lead_stage)
    )
    return {stage: count for stage, count in rows.all()}


async def usage_totals(session: AsyncSession, tenant_id: int, period: Period) -> list[UsageTotals]:
    """LLM usage logged in the period, per bot (None: a row without a conversation)."""
    rows = await session.execute(
        select(
            Conversation.bot_id,
            func.count(),
            func.coalesce(func.sum(UsageLog.credits), 0),
            func.coalesce(func.sum(UsageLog.prompt_tokens), 0),
            func.coalesce(func.sum(UsageLog.completion_tokens), 0),
            func.coalesce(func.sum(UsageLog.cost), 0),
        )
        .select_from(UsageLog)
        .outerjoin(
            Conversation,
            and_(Conversation.id == UsageLog.conversation_id, Conversation.tenant_id == tenant_id),
        )
        .where(UsageLog.tenant_id == tenant_id, *in_period(UsageLog.created_at, period))
        .group_by(Conversation.bot_id)
    )
    return [
        UsageTotals(
            bot_id,
            int(calls),
            int(credits),
            int(prompt),
            int(completion),
            Decimal(str(cost)).quantize(Decimal("0.000001")),
        )
        for bot_id, calls, credits, prompt, completion, cost in rows.all()
    ]


async def group_activity(session: AsyncSession, tenant_id: int, period: Period) -> list[GroupActivity]:
    """Every group of the tenant: its members now, and what they did in the period."""
    groups = (
        await session.execute(
            select(Group.id, Group.name, Group.platform_group_id)
            .where(Group.tenant_id == tenant_id)
            .order_by(Group.id)
        )
    ).all()
    if not groups:
        return []
    active = and_(*in_period(GroupMember.last_message_at, period), GroupMember.last_message_at.is_not(None))
    members = {
        group_id: (int(count), int(paid or 0), int(recent or 0), mean)
        for group_id, count, paid, recent, mean in (
            await session.execute(
                select(
                    GroupMember.group_id,
                    func.count(),
                    func.sum(case((GroupMember.paid_subscriber, 1), else_=0)),
                    func.sum(case((active, 1), else_=0)),
                    func.avg(GroupMember.engagement_score),
                )
                .where(GroupMember.tenant_id == tenant_id)
                .group_by(GroupMember.group_id)
            )
        ).all()
    }
    interactions: dict[int, int] = {
        group_id: int(count)
        for group_id, count in (
            await session.execute(
                select(Conversation.group_id, func.count(Message.id))
                .join(Message, Message.conversation_id == Conversation.id)
                .where(
                    Conversation.tenant_id == tenant_id,
                    Conversation.group_id.is_not(None),
                    Message.role == "user",
                    *in_period(Message.created_at, period),
                )
                .group_by(Conversation.group_id)
            )
        ).all()
        if group_id is not None
    }
    found = []
    for group_id, name, platform_id in groups:
        count, paid, recent, mean = members.get(group_id, (0, 0, 0, None))
        found.append(
            GroupActivity(
                group_id=group_id,
                name=name or f"group {platform_id}",
                members=count,
                paid_subscribers=paid,
                active_members=recent,
                interactions=interactions.get(group_id, 0),
                mean_engagement=float(mean) if mean is not None else None,
            )
        )
    return found
