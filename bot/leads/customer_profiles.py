"""A tenant's customers as the admin API shows them: the list, and one profile with its lead history.

A forgotten customer (bot/leads/forgetting.py) is still listed, with its personal fields erased and
``erased_at`` set. Another tenant's customer is not found (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.config_errors import NotFound
from bot.tenancy.read_filters import OneOf
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import conversation_pages
from storage.keyset import Page
from storage.models import Customer
from storage.models.customer_tables import CUSTOMER_TYPES, LEAD_LABELS, LEAD_STAGES
from storage.sql import get_owned

# How many lead changes a profile shows: the newest.
LEAD_HISTORY_LIMIT = 50


class CustomerFilter(RequestModel):
    lead_stage: Annotated[str, OneOf(LEAD_STAGES)] | None = None
    lead_label: Annotated[str, OneOf(LEAD_LABELS)] | None = None
    customer_type: Annotated[str, OneOf(CUSTOMER_TYPES)] | None = None


class CustomerView(ResponseModel):
    id: int
    channel_id: int
    platform_user_id: str = Field(description="the customer's id on the channel's platform")
    name: str | None
    first_name: str | None
    phone_e164: str | None
    lead_stage: str
    lead_score: int = Field(description="0-100")
    lead_label: str = Field(description="hot, warm or cold")
    customer_type: str = Field(description="new, returning or vip")
    last_seen_at: datetime | None
    erased_at: datetime | None = Field(description="when the customer was forgotten on request")
    created_at: datetime


class LeadChange(ResponseModel):
    id: int
    field: str = Field(description="what changed: stage, score, label or type (the customer type)")
    old_value: str | None
    new_value: str
    reason: str
    automated: bool = Field(description="false: an agent changed it by hand")
    agent_id: int | None
    created_at: datetime


class CustomerProfile(CustomerView):
    lead_history: list[LeadChange] = Field(
        description=f"the latest {LEAD_HISTORY_LIMIT} lead changes, newest first"
    )


async def list_customers(
    session: AsyncSession, tenant_id: int, where: CustomerFilter, *, limit: int, before: int | None
) -> Page[CustomerView]:
    found = await conversation_pages.customers_page(
        session,
        tenant_id,
        lead_stage=where.lead_stage,
        lead_label=where.lead_label,
        customer_type=where.customer_type,
        limit=limit,
        before=before,
    )
    return Page([CustomerView.model_validate(row) for row in found.rows], found.next_before)


async def customer_profile(session: AsyncSession, tenant_id: int, customer_id: int) -> CustomerProfile:
    customer = await get_owned(session, Customer, tenant_id, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    history = await conversation_pages.lead_history(session, tenant_id, customer_id, limit=LEAD_HISTORY_LIMIT)
    return CustomerProfile.model_validate(
        {
            **CustomerView.model_validate(customer).model_dump(),
            "lead_history": [LeadChange.model_validate(change) for change in history],
        }
    )
