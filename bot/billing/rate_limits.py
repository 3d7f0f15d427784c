"""Plan rate limits on LLM turns (per tenant, per minute and per hour) and per-customer flood control.

The LLM path asks ``admit_llm_turn`` right before it reserves the turn's credits, in the same short
transaction, and commits that transaction before it calls the model (no transaction stays open across
an LLM call, and the tenant's counter rows stay locked only until that commit)::

    async with transaction(sessions) as session:
        admission = await admit_llm_turn(session, tenant_id=t, customer_id=c, now=utcnow())
        if admission.allowed and not await reserve_credits(session, ...):
            await release_llm_turn(session, admission)  # out of credits: give the slots back
    # then: the LLM turn if admitted and reserved, else the refusal's path (below)

Counts live in the database (``rate_limit_counters``), one atomic statement per window, so every
process of a deployment shares them and two processes never both take a window's last slot. Windows
are fixed and in UTC: a minute window is a calendar minute (10:41:00 to 10:42:00), an hour window a
calendar hour. They are taken from the caller's clock (``now``): processes are expected to run
NTP-synced clocks, and a skew of a second lets at most that second's turns fall into the neighbouring
window.

The checks, in order (the first refusal ends them):

1. **Customer flood**: every message of a customer that reaches the LLM step counts in that customer's
   minute window, admitted or not. Beyond ``CUSTOMER_TURNS_PER_MINUTE`` the message is refused with
   ``customer_flood`` and counts nowhere else, so a flooding customer cannot spend the tenant's rate
   (or, since the caller reserves only after admission, its credits).
2. **Tenant minute**: one slot in the tenant's minute window, only if it has fewer than the plan's
   ``requests_per_minute``; else ``tenant_minute``.
3. **Tenant hour**: likewise against ``requests_per_hour``; else ``tenant_hour``, and the minute slot
   taken in step 2 is given back in the same transaction.

So a refused turn consumes exactly one thing: its hit in the customer's minute window (which is what
flood control measures: how fast the customer writes). An admitted turn holds one minute and one hour
slot of its tenant until ``release_llm_turn`` gives them back (when no LLM call follows the admission)
or its windows end. A turn run again after a crash counts again: it calls the model again.

On refusal nothing is dropped: the message is stored with its turn, and the caller answers it without
the LLM. For ``tenant_minute`` and ``tenant_hour`` that is the out-of-credits path (by bot setting:
an offline answer or a handoff). For ``customer_flood`` the flood is **answered once**: the first
refused message of the customer's minute (``first_over_limit``) gets one short notice
(``prompts/flood_notice.txt``), and each later one in that minute gets the offline answer only when the
knowledge base has one above the bot's threshold, otherwise no reply; neither counts as a fallback (a
flood must not hand the conversation to a person). Why: a burst of 30 messages deserves one answer, not
30 shrugs, and every message is stored in the conversation, so the LLM turn of the customer's next
message (once their minute is over) sees the whole burst in its history and answers it together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.admission import CheckVerdict, LLMTurnRequest
from bot.engine.types import CUSTOMER_FLOOD, FLOOD_NOTICE
from storage import rate_limit_counters as counters
from storage.models.rate_limit_tables import TENANT_WIDE
from storage.rate_limit_counters import CounterWindow, PlanRates

__all__ = [
    "CUSTOMER_FLOOD",
    "CUSTOMER_TURNS_PER_MINUTE",
    "DEFAULT_RATES",
    "FLOOD_NOTICE",
    "Admission",
    "PlanRates",
    "RateLimitCheck",
    "RefusalReason",
    "admit_llm_turn",
    "release_llm_turn",
    "tenant_rates",
]

# LLM turns one customer may start per minute (CHATBOT_CUSTOMER_TURNS_PER_MINUTE sets it for `chatbot
# serve`). A customer who types a question in a few short messages stays well under it; a script, a
# stuck key or 30 messages a minute does not.
CUSTOMER_TURNS_PER_MINUTE = 6
# A tenant without a live subscription gets the free plan's rates; these, the seeded free plan's, only
# if the plans table has lost that row.
FREE_PLAN = "free"
DEFAULT_RATES = PlanRates(per_minute=5, per_hour=50)
# Windows that ended this long ago are deleted (the margin covers processes whose clocks disagree a
# little: a window one process has left, another may still be counting in).
EXPIRED_AFTER = timedelta(minutes=2)
# At most this many ended windows are deleted per admission that opened a window. An admission opens
# at most three (a customer minute, a tenant minute, a tenant hour), so deleting up to 16 keeps the
# table at about the windows still open, without a separate sweep and without a long delete on the
# hot path. A tenant that goes quiet keeps only its last windows' rows.
CLEANUP_BATCH = 16

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

RefusalReason = Literal["tenant_minute", "tenant_hour", "customer_flood"]


@dataclass(frozen=True)
class Admission:
    """The answer to "may this turn call the LLM now?", with what ``release_llm_turn`` needs."""

    allowed: bool
    tenant_id: int
    # The tenant windows the turn counted in (an admitted turn holds a slot in each).
    minute_start: datetime
    hour_start: datetime
    reason: RefusalReason | None = None
    # When the window that refused ends: from then on the same turn would be counted afresh.
    retry_at: datetime | None = None
    # customer_flood only: the customer's first message over the limit this minute (send the notice).
    first_over_limit: bool = False


async def admit_llm_turn(
    session: AsyncSession,
    *,
    tenant_id: int,
    customer_id: int | None,
    now: datetime,
    rates: PlanRates | None = None,
    customer_limit: int = CUSTOMER_TURNS_PER_MINUTE,
) -> Admission:
    """Count this LLM turn against the customer's flood limit and the tenant's plan rates.

    ``customer_id`` None (the customer's very first message, stored only with its turn) skips the flood
    check: a conversation's messages are processed one at a time, so a first message is never a flood.
    ``rates`` lets a caller that caches the tenant's plan pass it; by default it is read
    (``tenant_rates``). Runs in the caller's transaction; see the module's docstring for the order of
    the checks and what a refusal consumes.
    """
    now = _utc(now)
    minute_start = now.replace(second=0, microsecond=0)
    hour_start = minute_start.replace(minute=0)
    opened = False

    def refused(reason: RefusalReason, window_end: datetime, *, first: bool = False) -> Admission:
        return Admission(
            allowed=False,
            tenant_id=tenant_id,
            minute_start=minute_start,
            hour_start=hour_start,
            reason=reason,
            retry_at=window_end,
            first_over_limit=first,
        )

    if customer_id is not None:
        customer_minute = _window("customer", customer_id, "minute", minute_start, MINUTE)
        sent = await counters.count_hit(session, tenant_id=tenant_id, window=customer_minute, now=now)
        opened = sent == 1
        if sent > customer_limit:
            return refused("customer_flood", customer_minute.expires_at, first=sent == customer_limit + 1)

    if rates is None:
        rates = await tenant_rates(session, tenant_id)
    tenant_minute = _window("tenant", TENANT_WIDE, "minute", minute_start, MINUTE)
    tenant_hour = _window("tenant", TENANT_WIDE, "hour", hour_start, HOUR)
    taken = await counters.take_slot(
        session, tenant_id=tenant_id, window=tenant_minute, limit=rates.per_minute, now=now
    )
    if taken is None:
        await _clean_up(session, tenant_id, now, opened=opened)
        return refused("tenant_minute", tenant_minute.expires_at)
    opened = opened or taken == 1
    taken = await counters.take_slot(
        session, tenant_id=tenant_id, window=tenant_hour, limit=rates.per_hour, now=now
    )
    if taken is None:
        await counters.give_back(session, tenant_id=tenant_id, window=tenant_minute, now=now)
        await _clean_up(session, tenant_id, now, opened=opened)
        return refused("tenant_hour", tenant_hour.expires_at)
    await _clean_up(session, tenant_id, now, opened=opened or taken == 1)
    return Admission(allowed=True, tenant_id=tenant_id, minute_start=minute_start, hour_start=hour_start)


async def release_llm_turn(session: AsyncSession, admission: Admission, *, now: datetime) -> None:
    """Give back the tenant slots of an admitted turn that will not call the LLM (e.g. out of credits).

    The customer's hit stays: flood control counts messages, whatever became of them. A refused
    admission holds no slot, and releasing it does nothing. Release an admission once: a second release
    would give back a slot another turn holds (a count never goes below zero, though).
    """
    if not admission.allowed:
        return
    now = _utc(now)
    for window in (
        _window("tenant", TENANT_WIDE, "minute", admission.minute_start, MINUTE),
        _window("tenant", TENANT_WIDE, "hour", admission.hour_start, HOUR),
    ):
        await counters.give_back(session, tenant_id=admission.tenant_id, window=window, now=now)


async def tenant_rates(session: AsyncSession, tenant_id: int) -> PlanRates:
    """The tenant's LLM turns per minute and per hour: its live subscription's plan, else the free plan.

    A subscription is live while trialing, active or past_due (payment being retried: credits, not
    rates, stop the spending then); a canceled one falls back to the free plan. With several live
    subscriptions the newest counts.
    """
    rates = await counters.subscribed_plan_rates(session, tenant_id)
    if rates is None:
        rates = await counters.plan_rates(session, FREE_PLAN)
    return rates or DEFAULT_RATES


async def _clean_up(session: AsyncSession, tenant_id: int, now: datetime, *, opened: bool) -> None:
    """Delete a few of the tenant's ended windows, when this admission opened a window of its own."""
    if opened:
        await counters.delete_expired(
            session, tenant_id=tenant_id, before=now - EXPIRED_AFTER, limit=CLEANUP_BATCH
        )


def _window(scope: str, subject_id: int, kind: str, start: datetime, length: timedelta) -> CounterWindow:
    return CounterWindow(
        scope=scope, subject_id=subject_id, kind=kind, start=start, expires_at=start + length
    )


def _utc(moment: datetime) -> datetime:
    # A naive time is taken as UTC, as the database columns take it.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class RateLimitCheck:
    """The plan's rate limits and flood control as the admission gate's check (bot/billing/admission.py).

    Refusals are reported as ``tenant_minute`` / ``tenant_hour`` (answered like a turn out of credits),
    ``flood_notice`` (the customer's first message over the limit this minute) or ``customer_flood``.
    An admitted turn that is then refused its credits gives its tenant slots back.
    """

    def __init__(self, customer_limit: int = CUSTOMER_TURNS_PER_MINUTE) -> None:
        self._customer_limit = customer_limit

    async def check(self, session: AsyncSession, request: LLMTurnRequest, now: datetime) -> CheckVerdict:
        admission = await admit_llm_turn(
            session,
            tenant_id=request.tenant_id,
            customer_id=request.customer_id,
            now=now,
            customer_limit=self._customer_limit,
        )
        if not admission.allowed:
            reason: str | None = admission.reason
            if reason == "customer_flood":
                reason = FLOOD_NOTICE if admission.first_over_limit else CUSTOMER_FLOOD
            return CheckVerdict(False, reason)

        async def give_back(again: AsyncSession) -> None:
            await release_llm_turn(again, admission, now=now)

        return CheckVerdict(True, give_back=give_back)
