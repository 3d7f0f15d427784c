"""A tenant's report for a period: the queries run in one read-only session, folded into figures.

``build_report`` is the one service the command line (`chatbot report`) and the admin API share; the
definitions of the figures are in ``bot.analytics.figures``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.activity_queries import (
    ConversationCounts,
    HandoffTiming,
    UsageTotals,
    conversation_counts,
    group_activity,
    handoff_timings,
    rating_counts,
    stage_counts,
    tenant_bots,
    usage_totals,
)
from bot.analytics.figures import (
    CSAT_RATINGS,
    BotFigures,
    ContainmentFigures,
    CsatFigures,
    FunnelStage,
    GroupFigures,
    HandoffFigures,
    Money,
    Period,
    RevenueLine,
    TenantReport,
    UsageFigures,
)
from bot.analytics.revenue_queries import (
    PURCHASED,
    VISITED,
    AttributedGroup,
    attributed_conversions,
    campaign_names,
    source_names,
)
from bot.billing.prices import USD_PER_CREDIT
from storage.models.customer_tables import LEAD_STAGES
from storage.tenants import get_tenant

# What one credit costs the tenant, in USD, the price ROI divides revenue by, is the billing's own rule
# (bot/billing/prices.py: 1 credit = USD 0.01 of list-priced tokens); pass ``usd_per_credit`` to use another.
NO_SOURCE, NO_CAMPAIGN, NO_INTENT = "(no source)", "(no campaign)", "(no intent)"


class UnknownTenant(LookupError):
    """No tenant has this id."""


async def build_report(
    session: AsyncSession, tenant_id: int, period: Period, *, usd_per_credit: Decimal = USD_PER_CREDIT
) -> TenantReport:
    tenant = await get_tenant(session, tenant_id)
    if tenant is None:
        raise UnknownTenant(f"no tenant with id {tenant_id}")
    bots = await tenant_bots(session, tenant_id)
    counts = {c.bot_id: c for c in await conversation_counts(session, tenant_id, period)}
    usage = await usage_totals(session, tenant_id, period)
    attributed = await attributed_conversions(session, tenant_id, period)
    purchases = [g for g in attributed if g.outcome == PURCHASED]
    sources = await source_names(session, tenant_id)
    campaigns = await campaign_names(
        session, tenant_id, {g.campaign_id for g in purchases if g.campaign_id is not None}
    )
    groups = await group_activity(session, tenant_id, period)
    return TenantReport(
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        tenant_name=tenant.name,
        period=period,
        bots=[
            _bot_figures(bot_id, name, counts.get(bot_id), attributed, usage, usd_per_credit)
            for bot_id, name in bots
        ],
        purchases=sum(g.count for g in purchases),
        purchases_by_currency=_counts_by_currency(purchases),
        revenue=_money(purchases),
        unattributed_revenue=_money(g for g in purchases if g.bot_id is None),
        revenue_by_source=_lines(purchases, lambda g: _name(sources, g.source_id, NO_SOURCE)),
        revenue_by_campaign=_lines(purchases, lambda g: _name(campaigns, g.campaign_id, NO_CAMPAIGN)),
        revenue_by_intent=_lines(purchases, lambda g: g.intent or NO_INTENT),
        funnel=_funnel(await stage_counts(session, tenant_id, period)),
        groups=[
            GroupFigures(
                group_id=g.group_id,
                name=g.name,
                members=g.members,
                paid_subscribers=g.paid_subscribers,
                active_members=g.active_members,
                interactions=g.interactions,
                purchases=sum(p.count for p in purchases if p.group_id == g.group_id),
                revenue=_money(p for p in purchases if p.group_id == g.group_id),
                mean_engagement=g.mean_engagement,
            )
            for g in groups
        ],
        handoffs=_handoffs(counts.values(), await handoff_timings(session, tenant_id, period)),
        containment=_containment(counts.values()),
        csat=_csat(await rating_counts(session, tenant_id, period)),
        usage=_usage(usage, usd_per_credit),
    )


def _bot_figures(
    bot_id: int,
    name: str,
    counts: ConversationCounts | None,
    attributed: list[AttributedGroup],
    usage: list[UsageTotals],
    usd_per_credit: Decimal,
) -> BotFigures:
    handled = counts.handled if counts else 0
    own = [g for g in attributed if g.bot_id == bot_id]
    purchases = [g for g in own if g.outcome == PURCHASED]
    bought = sum(g.count for g in purchases)
    revenue = _money(purchases)
    credits = sum(u.credits for u in usage if u.bot_id == bot_id)
    cost = Decimal(credits) * usd_per_credit
    return BotFigures(
        bot_id=bot_id,
        name=name,
        handled_conversations=handled,
        purchases=bought,
        visits=sum(g.count for g in own if g.outcome == VISITED),
        conversion_rate=bought / handled if handled else None,
        revenue=revenue,
        credits_used=credits,
        credit_cost_usd=cost,
        roi=roi(revenue, cost),
    )


def roi(revenue: Money, cost_usd: Decimal) -> dict[str, Decimal] | None:
    """Revenue per USD of credits, in each currency earned, to two places; None when nothing was spent."""
    if cost_usd <= 0:
        return None
    return {
        currency: (amount / cost_usd).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for currency, amount in revenue.items()
    }


def _name(names: dict[int, str], row_id: int | None, missing: str) -> str:
    return names.get(row_id, missing) if row_id is not None else missing


def _counts_by_currency(groups: list[AttributedGroup]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for g in groups:
        counts[g.currency] += g.count
    return dict(sorted(counts.items()))


def _money(groups: Iterable[AttributedGroup]) -> Money:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for g in groups:
        totals[g.currency] += g.value
    return dict(sorted(totals.items()))


def _lines(purchases: list[AttributedGroup], label_of: Callable[[AttributedGroup], str]) -> list[RevenueLine]:
    """Purchases and revenue per label, most purchases first (then by label)."""
    by_label: dict[str, list[AttributedGroup]] = defaultdict(list)
    for g in purchases:
        by_label[label_of(g)].append(g)
    lines = [
        RevenueLine(label, sum(g.count for g in groups), _money(groups)) for label, groups in by_label.items()
    ]
    return sorted(lines, key=lambda line: (-line.purchases, line.label))


def _funnel(counts: dict[str, int]) -> list[FunnelStage]:
    return [FunnelStage(stage, counts.get(stage, 0)) for stage in LEAD_STAGES]


def _handoffs(counts: Iterable[ConversationCounts], timings: list[HandoffTiming]) -> HandoffFigures:
    counts = list(counts)
    handled = sum(c.handled for c in counts)
    handed_off = sum(c.handed_off for c in counts)
    waits = sorted(
        (t.claimed_at - t.requested_at).total_seconds() for t in timings if t.claimed_at is not None
    )
    triggers: dict[str, int] = defaultdict(int)
    for t in timings:
        triggers[t.trigger] += 1
    return HandoffFigures(
        handled_conversations=handled,
        handed_off_conversations=handed_off,
        handoff_rate=handed_off / handled if handled else None,
        requested=len(timings),
        claimed=len(waits),
        claim_seconds_median=statistics.median(waits) if waits else None,
        claim_seconds_p90=nearest_rank(waits, 90),
        by_trigger=dict(sorted(triggers.items())),
    )


def nearest_rank(ordered: list[float], percent: int) -> float | None:
    """The smallest value with at least ``percent`` % of the (sorted) values at or below it."""
    if not ordered:
        return None
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def _containment(counts: Iterable[ConversationCounts]) -> ContainmentFigures:
    counts = list(counts)
    ended = sum(c.ended for c in counts)
    contained = sum(c.contained for c in counts)
    return ContainmentFigures(ended, contained, contained / ended if ended else None)


def _csat(ratings: dict[int, int]) -> CsatFigures:
    distribution = {rating: ratings.get(rating, 0) for rating in CSAT_RATINGS}
    responses = sum(distribution.values())
    total = sum(rating * count for rating, count in distribution.items())
    return CsatFigures(responses, total / responses if responses else None, distribution)


def _usage(usage: list[UsageTotals], usd_per_credit: Decimal) -> UsageFigures:
    credits = sum(u.credits for u in usage)
    return UsageFigures(
        llm_calls=sum(u.calls for u in usage),
        credits_used=credits,
        prompt_tokens=sum(u.prompt_tokens for u in usage),
        completion_tokens=sum(u.completion_tokens for u in usage),
        usd_per_credit=usd_per_credit,
        credit_cost_usd=Decimal(credits) * usd_per_credit,
        recorded_cost_usd=sum((u.recorded_cost for u in usage), Decimal("0")).quantize(Decimal("0.000001")),
    )
