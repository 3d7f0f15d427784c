"""Conversions attributed to the bot turns that caused them: one grouped query for every revenue figure.

A conversion points to a bot turn (``conversions.message_id``). From that message come its bot and
group (the message's conversation), its intent (the customer message the turn answered) and its
campaign (the last customer message up to the turn that came from a campaign). The turn and its
conversation are joined on the tenant too, so a conversion can never borrow another tenant's bot; the
messages around the turn are then read by its conversation's id (see ``activity_queries``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.analytics.figures import Period
from storage.models import Campaign, Conversation, Conversion, Message, MonetizationSource

# The outcomes the report counts: sales, and first clicks on tracked links.
PURCHASED, VISITED = "purchased", "visited"


@dataclass(frozen=True)
class AttributedGroup:
    """Conversions of one outcome and currency that share their bot, group, source, campaign and intent."""

    outcome: str
    currency: str
    bot_id: int | None
    group_id: int | None
    source_id: int | None
    campaign_id: int | None
    intent: str | None
    count: int
    value: Decimal


def in_period(column: SQLColumnExpression[datetime | None], period: Period) -> list[ColumnElement[bool]]:
    """The conditions that keep ``column`` within ``[since, until)``."""
    conditions: list[ColumnElement[bool]] = []
    if period.since is not None:
        conditions.append(column >= period.since)
    if period.until is not None:
        conditions.append(column < period.until)
    return conditions


async def attributed_conversions(
    session: AsyncSession, tenant_id: int, period: Period
) -> list[AttributedGroup]:
    """Purchases and visits that occurred in the period, grouped by everything they are reported by."""
    turn = aliased(Message, name="turn")
    answered = aliased(Message, name="answered")
    touched = aliased(Message, name="touched")
    # The customer message the attributed turn answered: the latest one of its conversation up to it.
    intent = (
        select(answered.intent)
        .where(
            answered.conversation_id == turn.conversation_id,
            answered.role == "user",
            answered.id <= turn.id,
        )
        .order_by(answered.id.desc())
        .limit(1)
        .correlate(turn)
        .scalar_subquery()
    )
    # Last touch: the latest customer message up to the turn that came from a campaign.
    campaign = (
        select(touched.campaign_id)
        .where(
            touched.conversation_id == turn.conversation_id,
            touched.role == "user",
            touched.campaign_id.is_not(None),
            touched.id <= turn.id,
        )
        .order_by(touched.id.desc())
        .limit(1)
        .correlate(turn)
        .scalar_subquery()
    )
    rows = (
        select(
            Conversion.outcome.label("outcome"),
            Conversion.currency.label("currency"),
            Conversion.value.label("value"),
            Conversion.monetization_source_id.label("source_id"),
            Conversation.bot_id.label("bot_id"),
            Conversation.group_id.label("group_id"),
            intent.label("intent"),
            campaign.label("campaign_id"),
        )
        .select_from(Conversion)
        .outerjoin(turn, and_(turn.id == Conversion.message_id, turn.tenant_id == tenant_id))
        .outerjoin(
            Conversation,
            and_(Conversation.id == turn.conversation_id, Conversation.tenant_id == tenant_id),
        )
        .where(
            Conversion.tenant_id == tenant_id,
            Conversion.outcome.in_((PURCHASED, VISITED)),
            *in_period(Conversion.occurred_at, period),
        )
        .subquery()
    )
    keys = (
        rows.c.outcome,
        rows.c.currency,
        rows.c.bot_id,
        rows.c.group_id,
        rows.c.source_id,
        rows.c.campaign_id,
        rows.c.intent,
    )
    grouped = await session.execute(
        select(*keys, func.count(), func.coalesce(func.sum(rows.c.value), 0)).group_by(*keys)
    )
    return [
        AttributedGroup(
            outcome=outcome,
            currency=currency,
            bot_id=bot_id,
            group_id=group_id,
            source_id=source_id,
            campaign_id=campaign_id,
            intent=intent_name,
            count=count,
            value=cents(total),
        )
        for outcome, currency, bot_id, group_id, source_id, campaign_id, intent_name, count, total in grouped
    ]


def cents(amount: object) -> Decimal:
    """An amount of money as stored: two decimal places (SQLite sums NUMERIC as floating point)."""
    return Decimal(str(amount)).quantize(Decimal("0.01"))


async def source_names(session: AsyncSession, tenant_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(MonetizationSource.id, MonetizationSource.name).where(
            MonetizationSource.tenant_id == tenant_id
        )
    )
    return {source_id: name for source_id, name in rows.all()}


async def campaign_names(session: AsyncSession, tenant_id: int, ids: set[int]) -> dict[int, str]:
    """Each campaign's name, or its ad id when the ad had no headline."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Campaign.id, Campaign.name, Campaign.ad_id).where(
            Campaign.tenant_id == tenant_id, Campaign.id.in_(sorted(ids))
        )
    )
    return {campaign_id: name or f"ad {ad_id}" for campaign_id, name, ad_id in rows.all()}
