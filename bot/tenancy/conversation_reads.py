"""A tenant's conversations and their transcripts, as the admin API shows them (read only).

Lists are newest first in keyset pages; another tenant's conversation is not found (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversions.touches import Touch, touches_of
from bot.tenancy.config_errors import NotFound
from bot.tenancy.read_filters import OneOf, RowId
from bot.tenancy.schema_base import RequestModel, ResponseModel
from storage import conversation_pages
from storage.keyset import Page
from storage.models import Conversation
from storage.models.conversation_tables import CONVERSATION_STATUSES
from storage.sql import get_owned


class ConversationFilter(RequestModel):
    status: Annotated[str, OneOf(CONVERSATION_STATUSES)] | None = Field(
        None, description="only conversations in this state"
    )
    customer_id: RowId | None = Field(None, description="only this customer's conversations")


class ConversationView(ResponseModel):
    id: int
    status: str
    channel_id: int
    bot_id: int
    # A customer's conversation, or a GroupMe group's (then customer_id is null).
    customer_id: int | None
    group_id: int | None
    assigned_agent_id: int | None
    message_count: int
    last_inbound_at: datetime | None
    last_activity_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    first_touch: Touch | None = Field(description="the first ad, post or link the conversation came from")
    last_touch: Touch | None


class TranscriptMessage(ResponseModel):
    id: int
    role: str = Field(description="user, assistant, agent or system")
    direction: str = Field(description="in (from the customer) or out")
    type: str
    text: str | None
    status: str
    route: str | None = Field(description="how the bot chose its answer (knowledge, llm, template, ...)")
    intent: str | None
    intent_score: float | None
    sentiment: str | None
    sentiment_score: float | None
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int | None
    failure_reason: str | None
    agent_id: int | None
    customer_id: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


TOUCHES = ("first_touch", "last_touch")


def conversation_view(row: Conversation) -> ConversationView:
    first, last = touches_of(row)
    plain = {
        name: getattr(row, name) for name in ConversationView.model_fields if not name.endswith("_touch")
    }
    return ConversationView.model_validate({**plain, "first_touch": first, "last_touch": last})


async def list_conversations(
    session: AsyncSession, tenant_id: int, where: ConversationFilter, *, limit: int, before: int | None
) -> Page[ConversationView]:
    found = await conversation_pages.conversations_page(
        session, tenant_id, status=where.status, customer_id=where.customer_id, limit=limit, before=before
    )
    return Page([conversation_view(row) for row in found.rows], found.next_before)


async def get_conversation(session: AsyncSession, tenant_id: int, conversation_id: int) -> ConversationView:
    return conversation_view(await _owned(session, tenant_id, conversation_id))


async def transcript(
    session: AsyncSession, tenant_id: int, conversation_id: int, *, limit: int, before: int | None
) -> Page[TranscriptMessage]:
    """The conversation's messages, newest first."""
    await _owned(session, tenant_id, conversation_id)
    found = await conversation_pages.messages_page(
        session, tenant_id, conversation_id, limit=limit, before=before
    )
    return Page([TranscriptMessage.model_validate(row) for row in found.rows], found.next_before)


async def _owned(session: AsyncSession, tenant_id: int, conversation_id: int) -> Conversation:
    conversation = await get_owned(session, Conversation, tenant_id, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    return conversation
