"""A tenant's handoffs to humans and its customers' ratings (CSAT), as the admin API lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tenancy.read_filters import OneOf, RowId
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import conversation_pages
from storage.conversation_pages import HANDOFF_STATES
from storage.keyset import Page
from storage.models import Handoff
from storage.models.conversation_tables import HANDOFF_TRIGGERS


class HandoffFilter(RequestModel):
    status: Annotated[str, OneOf(HANDOFF_STATES)] | None = Field(
        None,
        description="waiting: no agent has claimed it; claimed: an agent has, not resolved yet; resolved",
    )
    trigger: Annotated[str, OneOf(HANDOFF_TRIGGERS)] | None = None
    conversation_id: RowId | None = None


class HandoffView(ResponseModel):
    id: int
    conversation_id: int
    status: str = Field(description="waiting, claimed or resolved")
    trigger: str = Field(description="what asked for a human: the customer, an intent, the sentiment, ...")
    reason: str
    summary: str | None = Field(description="what the agent reads first")
    agent_id: int | None
    requested_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    notes: str | None


class FeedbackFilter(RequestModel):
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    conversation_id: RowId | None = None


class FeedbackView(ResponseModel):
    id: int
    conversation_id: int
    rating: int = Field(description="1 (poor) to 5 (great)")
    comment: str | None
    agent_id: int | None = Field(description="the agent who resolved the conversation rated")
    resolved: bool
    created_at: datetime


def handoff_status(handoff: Handoff) -> str:
    if handoff.resolved_at is not None:
        return "resolved"
    return "claimed" if handoff.accepted_at is not None else "waiting"


def handoff_view(handoff: Handoff) -> HandoffView:
    plain = {name: getattr(handoff, name) for name in HandoffView.model_fields if name != "status"}
    return HandoffView.model_validate({**plain, "status": handoff_status(handoff)})


async def list_handoffs(
    session: AsyncSession, tenant_id: int, where: HandoffFilter, *, limit: int, before: int | None
) -> Page[HandoffView]:
    found = await conversation_pages.handoffs_page(
        session,
        tenant_id,
        state=where.status,
        trigger=where.trigger,
        conversation_id=where.conversation_id,
        limit=limit,
        before=before,
    )
    return Page([handoff_view(row) for row in found.rows], found.next_before)


async def list_feedback(
    session: AsyncSession, tenant_id: int, where: FeedbackFilter, *, limit: int, before: int | None
) -> Page[FeedbackView]:
    found = await conversation_pages.feedback_page(
        session,
        tenant_id,
        rating=where.rating,
        conversation_id=where.conversation_id,
        limit=limit,
        before=before,
    )
    return Page([FeedbackView.model_validate(row) for row in found.rows], found.next_before)
