"""What a tenant may read of its billing: the credit account with its plan and limits, the ledger, usage.

The account is shown for the current period: one that ended is rolled first (bot/billing/credit_periods.py),
as every credit action does, so reading it needs a writing transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.credit_periods import roll_if_due
from bot.billing.rate_limits import tenant_rates
from bot.tenancy.config_errors import NotFound
from bot.tenancy.read_filters import OneOf, RowId
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import account_pages, billing_records, credits
from storage.keyset import Page
from storage.models import UsageLog
from storage.models.billing_tables import TRANSACTION_KINDS

CENT, MICRO = Decimal("0.01"), Decimal("0.000001")
DecimalText = Annotated[str, Field(pattern=r"^\d+\.\d+$", description="an exact decimal amount, in USD")]


class PlanView(ResponseModel):
    code: str
    name: str
    subscription_status: str = Field(description="trialing, active, past_due or canceled")
    trial_ends_at: datetime | None
    credits_per_period: int
    price: DecimalText
    overage_allowed: bool = Field(description="true: running out adds an overage block instead")
    overage_price_per_credit: DecimalText


class RateLimits(ResponseModel):
    llm_turns_per_minute: int
    llm_turns_per_hour: int


class PeriodView(ResponseModel):
    start: datetime
    end: datetime
    used: int = Field(description="credits charged this period")
    plan_credits: int = Field(description="credits the plan's refill brought this period")
    overage: int = Field(description="credits added as overage this period")


class CreditAccountView(ResponseModel):
    balance: int = Field(description="every credit the tenant has")
    reserved: int = Field(description="credits held by bot turns in flight")
    available: int = Field(description="balance - reserved: what new turns may use")
    used_total: int
    purchased_total: int
    expired_total: int
    period: PeriodView
    plan: PlanView | None = Field(description="the current subscription's plan; null without one")
    limits: RateLimits


class LedgerFilter(RequestModel):
    kind: Annotated[str, OneOf(TRANSACTION_KINDS)] | None = None


class LedgerEntry(ResponseModel):
    id: int
    kind: str = Field(description="grant, refill, expire, reserve, commit, release or adjust")
    delta: int = Field(description="change of the balance")
    balance_after: int
    reserved_delta: int = Field(description="change of the credits held")
    reserved_after: int
    description: str | None
    message_id: int | None = Field(description="the bot reply a turn's credits belong to")
    created_at: datetime


class UsageFilter(RequestModel):
    conversation_id: RowId | None = None


class UsageEntry(ResponseModel):
    id: int
    conversation_id: int | None
    message_id: int | None
    usage_type: str
    credits: int
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    cost: DecimalText = Field(description="the provider's cost as logged, in USD")
    response_time_ms: int | None
    created_at: datetime


async def credit_account(session: AsyncSession, tenant_id: int, now: datetime) -> CreditAccountView:
    await roll_if_due(session, tenant_id, now)
    account = await credits.account_of(session, tenant_id)
    if account is None:
        raise NotFound("this tenant has no credit account")
    terms = await billing_records.plan_terms(session, tenant_id)
    rates = await tenant_rates(session, tenant_id)
    plan = None
    if terms is not None:
        plan = PlanView(
            code=terms.plan_code,
            name=terms.plan_name,
            subscription_status=terms.status,
            trial_ends_at=terms.trial_ends_at,
            credits_per_period=terms.credits_per_period,
            price=str(Decimal(terms.price).quantize(CENT)),
            overage_allowed=terms.overage_allowed,
            overage_price_per_credit=str(Decimal(terms.overage_price_per_credit).quantize(MICRO)),
        )
    return CreditAccountView(
        balance=account.balance,
        reserved=account.reserved,
        available=account.balance - account.reserved,
        used_total=account.used_total,
        purchased_total=account.purchased_total,
        expired_total=account.expired_total,
        period=PeriodView(
            start=account.period_start,
            end=account.period_end,
            used=account.period_used,
            plan_credits=account.period_plan_credits,
            overage=account.period_overage,
        ),
        plan=plan,
        limits=RateLimits(llm_turns_per_minute=rates.per_minute, llm_turns_per_hour=rates.per_hour),
    )


async def ledger(
    session: AsyncSession, tenant_id: int, where: LedgerFilter, *, limit: int, before: int | None
) -> Page[LedgerEntry]:
    found = await account_pages.ledger_page(session, tenant_id, kind=where.kind, limit=limit, before=before)
    return Page([LedgerEntry.model_validate(row) for row in found.rows], found.next_before)


def usage_entry(row: UsageLog) -> UsageEntry:
    plain = {name: getattr(row, name) for name in UsageEntry.model_fields if name != "cost"}
    return UsageEntry.model_validate({**plain, "cost": str(Decimal(row.cost).quantize(MICRO))})


async def usage(
    session: AsyncSession, tenant_id: int, where: UsageFilter, *, limit: int, before: int | None
) -> Page[UsageEntry]:
    found = await account_pages.usage_page(
        session, tenant_id, conversation_id=where.conversation_id, limit=limit, before=before
    )
    return Page([usage_entry(row) for row in found.rows], found.next_before)
