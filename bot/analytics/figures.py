"""The figures of a tenant's report, as plain frozen dataclasses, and their JSON form.

Every figure covers one tenant and one period ``[since, until)`` (either end may be open). What puts a
row in the period is said per figure; the definitions are here so that the API, the command line and
the README say the same thing.

- A **handled conversation** of a bot: a conversation of that bot that *started* in the period
  (``conversations.created_at``) and in which the bot sent at least one reply (a message with role
  ``assistant``, whatever its route: an answer, a template, the fallback, the handoff notice). A group
  conversation the bot was never addressed in is not handled.
- A **purchase**: a conversion with outcome ``purchased`` that *occurred* in the period
  (``conversions.occurred_at``). It is **attributed** to the bot turn it points to
  (``conversions.message_id``): its bot is the bot of that message's conversation, its **intent** the
  intent of the customer message that turn answered (the latest ``user`` message of the conversation
  at or before it), its **campaign** the last touch before it (the latest ``user`` message of the
  conversation at or before the turn that carries a campaign). A purchase without a turn is
  *unattributed*: it counts in the revenue totals and by monetization source, under no bot.
- **Conversion rate** of a bot: its attributed purchases / its handled conversations (both in the
  period; None without handled conversations). A ratio of counts: a repeat buyer can lift it above 1.
- **Revenue**: the sum of purchases' values, kept per currency (ISO 4217); amounts in different
  currencies are never added together.
- **ROI** of a bot: its attributed revenue / the cost of the credits it used in the period, per
  currency of the revenue: "1.5 in USD" means USD 1.50 earned per USD 1 of credits (1.0 breaks even).
  A credit costs ``usd_per_credit`` (see ``bot.billing.prices.USD_PER_CREDIT``). None when it used none.
- **Credits**: the ``usage_logs`` rows written in the period (``usage_logs.created_at``); a row's bot
  is the bot of its conversation. ``recorded_cost_usd`` is the provider cost as logged
  (``usage_logs.cost``), shown beside the credits' price and not used for ROI.
- **Funnel**: the customers first seen in the period (``customers.created_at``), by the lead stage
  they are at now, in the stage order of the lead model.
- **Handoff rate**: handled conversations with at least one handoff / handled conversations. **Time
  to claim**: for the handoffs *requested* in the period and claimed by an agent, claimed at -
  requested at, in seconds: the median (the mean of the two middle values for an even count) and the
  90th percentile by nearest rank (the smallest value with at least 90 % of the values at or below it).
- **Containment rate**: of the handled conversations that have ended (status ``resolved`` or
  ``closed``), the share that ended without a human: no handoff and no agent message. None when none
  ended.
- **CSAT**: the ratings (1-5) given in the period (``feedback.created_at``): their mean and how many
  of each.
- **Groups**: for each of the tenant's groups, members, paid subscribers and the members' mean
  engagement score as they stand now (engagement as stored at each member's last message); active
  members (a message in the period); interactions (customer messages in the group's conversations
  in the period); the purchases attributed to turns in the group's conversations and their revenue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Currency code -> amount, ordered by code.
Money = dict[str, Decimal]
CSAT_RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Period:
    """``[since, until)`` in UTC; None leaves that end open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def in_zone(cls, since: datetime | None, until: datetime | None, zone: str) -> Period:
        """A period whose naive ends are wall-clock times in ``zone`` (the tenant's; UTC if unknown)."""
        try:
            tz: tzinfo = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            tz = UTC
        return cls(_aware(since, tz), _aware(until, tz))


def _aware(moment: datetime | None, tz: tzinfo) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class BotFigures:
    bot_id: int
    name: str
    handled_conversations: int
    purchases: int
    # First clicks on the bot's tracked links (conversions with outcome "visited") in the period.
    visits: int
    conversion_rate: float | None
    revenue: Money
    credits_used: int
    credit_cost_usd: Decimal
    roi: dict[str, Decimal] | None


@dataclass(frozen=True)
class RevenueLine:
    """Purchases and revenue under one monetization source, campaign or intent."""

    label: str
    purchases: int
    revenue: Money


@dataclass(frozen=True)
class FunnelStage:
    stage: str
    customers: int


@dataclass(frozen=True)
class GroupFigures:
    group_id: int
    name: str
    members: int
    paid_subscribers: int
    active_members: int
    interactions: int
    purchases: int
    revenue: Money
    mean_engagement: float | None


@dataclass(frozen=True)
class HandoffFigures:
    handled_conversations: int
    handed_off_conversations: int
    handoff_rate: float | None
    requested: int
    claimed: int
    claim_seconds_median: float | None
    claim_seconds_p90: float | None
    by_trigger: dict[str, int]


@dataclass(frozen=True)
class ContainmentFigures:
    ended_conversations: int
    contained_conversations: int
    containment_rate: float | None


@dataclass(frozen=True)
class CsatFigures:
    responses: int
    mean_rating: float | None
    distribution: dict[int, int]


@dataclass(frozen=True)
class UsageFigures:
    llm_calls: int
    credits_used: int
    prompt_tokens: int
    completion_tokens: int
    usd_per_credit: Decimal
    credit_cost_usd: Decimal
    recorded_cost_usd: Decimal


@dataclass(frozen=True)
class TenantReport:
    tenant_id: int
    tenant_slug: str
    tenant_name: str
    period: Period
    bots: list[BotFigures]
    purchases: int
    purchases_by_currency: dict[str, int]
    revenue: Money
    unattributed_revenue: Money
    revenue_by_source: list[RevenueLine]
    revenue_by_campaign: list[RevenueLine]
    revenue_by_intent: list[RevenueLine]
    funnel: list[FunnelStage]
    groups: list[GroupFigures]
    handoffs: HandoffFigures
    containment: ContainmentFigures
    csat: CsatFigures
    usage: UsageFigures


def report_as_json(report: TenantReport) -> dict[str, Any]:
    """The report as JSON-ready data: amounts as decimal strings (exact), times in ISO 8601."""
    plain: dict[str, Any] = _jsonable(asdict(report))
    return plain


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
