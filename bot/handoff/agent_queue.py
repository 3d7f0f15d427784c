"""What an agent reads: the queue, its own conversations, a conversation's card and its transcript.

The queue holds the tenant's escalated (unclaimed) conversations, oldest escalation first, each with its
wait and place in line. The transcript is paged newest first by an opaque keyset cursor, so a page is as
cheap at the start of a long conversation as at its end, and new messages never shift a page.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import placeholder_values, render
from bot.handoff.agent_errors import BadRequest, NotFound
from bot.handoff.agent_presence import available_since
from bot.handoff.agent_views import (
    AgentRef,
    CannedReply,
    ChannelInfo,
    ConversationDetail,
    CustomerCard,
    HandoffInfo,
    LastMessage,
    MessageView,
    NoteView,
    Party,
    QueueItem,
    Source,
    TeamMember,
    ToolCallView,
    TranscriptPage,
    WindowInfo,
)
from bot.handoff.messaging_windows import check_window, free_text_until
from bot.tenancy.agent_accounts import AgentIdentity
from storage import agent_queries, knowledge
from storage.agent_queries import ConversationRow
from storage.models import Agent, Bot, Channel, Conversation, Customer, Group, Handoff, Message
from storage.sql import get_owned

DEFAULT_PAGE = 50
MAX_PAGE = 200
_CURSOR_PREFIX = "m:"


async def queue(session: AsyncSession, agent: AgentIdentity, *, now: datetime) -> list[QueueItem]:
    """The tenant's conversations waiting for an agent, oldest first (position 1)."""
    waiting = await agent_queries.waiting_conversations(session, agent.tenant_id)
    rows = await agent_queries.describe_conversations(session, agent.tenant_id, waiting)
    return [_item(row, position, now) for position, row in enumerate(rows, start=1)]


async def mine(session: AsyncSession, agent: AgentIdentity, *, now: datetime) -> list[QueueItem]:
    """The agent's own open conversations, oldest escalation first."""
    owned = await agent_queries.owned_conversations(session, agent.tenant_id, agent.id)
    rows = await agent_queries.describe_conversations(session, agent.tenant_id, owned)
    return [_item(row, position, now) for position, row in enumerate(rows, start=1)]


async def everyone(session: AsyncSession, agent: AgentIdentity, *, now: datetime) -> list[QueueItem]:
    """Every conversation of the tenant waiting for or owned by an agent, oldest escalation first."""
    found = await agent_queries.people_owned_conversations(session, agent.tenant_id)
    rows = await agent_queries.describe_conversations(session, agent.tenant_id, found)
    return [_item(row, position, now) for position, row in enumerate(rows, start=1)]


async def team(session: AsyncSession, agent: AgentIdentity, *, now: datetime) -> list[TeamMember]:
    """The tenant's active agents, each with whether it is available and its load."""
    agents = [a for a in await agent_queries.list_agents(session, agent.tenant_id) if a.active]
    loads = await agent_queries.open_loads(session, agent.tenant_id, [a.id for a in agents])
    since = available_since(now)
    return [
        TeamMember(
            id=a.id,
            name=a.name,
            role=a.role,
            available=a.last_seen_at is not None and a.last_seen_at >= since,
            open_conversations=loads[a.id],
            capacity=a.capacity,
        )
        for a in agents
    ]


def _item(row: ConversationRow, position: int, now: datetime) -> QueueItem:
    conversation = row.conversation
    since = conversation.escalated_at
    return QueueItem(
        id=conversation.id,
        status=conversation.status,
        waiting_since=since,
        wait_seconds=max(0, int((now - since).total_seconds())) if since is not None else 0,
        position=position,
        customer=_party(row.customer, row.group_name),
        channel=ChannelInfo(conversation.channel_id, row.platform),
        reason=row.handoff.reason if row.handoff else None,
        trigger=row.handoff.trigger if row.handoff else None,
        flagged=conversation.timeout_flagged_at is not None,
        flagged_at=conversation.timeout_flagged_at,
        last_message=(
            LastMessage(row.last_message.text, row.last_message.created_at) if row.last_message else None
        ),
        assigned_agent_id=conversation.assigned_agent_id,
    )


def _party(customer: Customer | None, group_name: str | None) -> Party:
    if customer is not None:
        return Party(customer.id, customer.name)
    return Party(None, group_name)


async def require_conversation(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int
) -> Conversation:
    """The conversation if it is the agent's tenant's; NotFound otherwise (another tenant's id included)."""
    conversation = await agent_queries.get_conversation(session, agent.tenant_id, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    return conversation


async def detail(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, now: datetime
) -> ConversationDetail:
    conversation = await require_conversation(session, agent, conversation_id)
    return await describe(session, agent, conversation, now=now)


async def describe(
    session: AsyncSession, agent: AgentIdentity, conversation: Conversation, *, now: datetime
) -> ConversationDetail:
    """The conversation's card: who, where from, the handoff, the window, notes and canned replies."""
    tenant_id = agent.tenant_id
    channel = await get_owned(session, Channel, tenant_id, conversation.channel_id)
    if channel is None:
        raise NotFound(f"no conversation {conversation.id}")
    customer = (
        await get_owned(session, Customer, tenant_id, conversation.customer_id)
        if conversation.customer_id is not None
        else None
    )
    group = (
        await get_owned(session, Group, tenant_id, conversation.group_id)
        if conversation.group_id is not None
        else None
    )
    owner = (
        await get_owned(session, Agent, tenant_id, conversation.assigned_agent_id)
        if conversation.assigned_agent_id is not None
        else None
    )
    handoff = await agent_queries.latest_handoff(session, tenant_id, conversation.id)
    touch = await agent_queries.first_touch(session, tenant_id, conversation.id)
    bot = await get_owned(session, Bot, tenant_id, conversation.bot_id)
    values = placeholder_values(
        first_name=customer.first_name if customer else None,
        full_name=customer.name if customer else None,
        bot_name=bot.name if bot else None,
        tenant_name=agent.tenant_name,
    )
    templates = await knowledge.active_templates(session, tenant_id)
    notes = await agent_queries.notes_of(session, tenant_id, conversation.id)
    return ConversationDetail(
        id=conversation.id,
        status=conversation.status,
        version=conversation.version,
        assigned_agent=AgentRef(owner.id, owner.name) if owner else None,
        customer=_card(customer, group),
        channel=ChannelInfo(channel.id, channel.platform),
        source=Source(touch.source, touch.ad_id, touch.post_id) if touch else None,
        handoff=_handoff(handoff) if handoff else None,
        window=window_for(channel, conversation, now=now),
        notes=tuple(
            NoteView(
                note.id,
                AgentRef(note.agent_id, name) if note.agent_id is not None and name else None,
                note.text,
                note.created_at,
            )
            for note, name in notes
        ),
        templates=tuple(CannedReply(t.id, t.name, render(t.body, values)) for t in templates),
        flagged=conversation.timeout_flagged_at is not None,
    )


def _card(customer: Customer | None, group: Group | None) -> CustomerCard:
    if customer is None:
        return CustomerCard(None, group.name if group else None, None, None, None, None, None)
    return CustomerCard(
        id=customer.id,
        name=customer.name,
        phone=customer.phone_e164,
        lead_stage=customer.lead_stage,
        lead_score=customer.lead_score,
        lead_label=customer.lead_label,
        customer_type=customer.customer_type,
    )


def _handoff(handoff: Handoff) -> HandoffInfo:
    return HandoffInfo(
        trigger=handoff.trigger,
        reason=handoff.reason,
        summary=handoff.summary,
        requested_at=handoff.requested_at,
        accepted_at=handoff.accepted_at,
        resolved_at=handoff.resolved_at,
        notes=handoff.notes,
    )


def window_for(channel: Channel, conversation: Conversation, *, now: datetime) -> WindowInfo:
    """The messaging window for an agent's reply, as the outbox will apply it."""
    settings = dict(channel.settings or {})
    decision = check_window(
        platform=channel.platform,
        role="agent",
        last_inbound_at=conversation.last_inbound_at,
        now=now,
        channel_settings=settings,
    )
    until = free_text_until(
        platform=channel.platform, role="agent", last_inbound_at=conversation.last_inbound_at
    )
    needs_template = decision.template is not None or (
        not decision.allowed and until is not None and channel.platform == "whatsapp"
    )
    return WindowInfo(
        free_text=decision.allowed and decision.template is None,
        until=until,
        needs_template=needs_template,
        tag=decision.tag,
        template=decision.template.name if decision.template else None,
    )


# -- transcript ------------------------------------------------------------------------------------------


def encode_cursor(message_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{message_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The message id a cursor stands for; BadRequest for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise BadRequest("before: not a cursor from this API") from None
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if not raw.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 18:
        raise BadRequest("before: not a cursor from this API")
    return int(digits)


async def transcript(
    session: AsyncSession,
    agent: AgentIdentity,
    conversation_id: int,
    *,
    before: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> TranscriptPage:
    """One page of the conversation's messages, newest first, with their tool calls."""
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    before_id = decode_cursor(before) if before else None
    conversation = await require_conversation(session, agent, conversation_id)
    messages, more = await agent_queries.transcript_page(
        session, agent.tenant_id, conversation.id, before_id=before_id, limit=limit
    )
    calls: dict[int, list[ToolCallView]] = {}
    for call in await agent_queries.tool_calls_of(session, agent.tenant_id, [m.id for m in messages]):
        calls.setdefault(call.message_id, []).append(
            ToolCallView(
                tool=call.tool,
                arguments=dict(call.arguments or {}),
                result=dict(call.result) if call.result is not None else None,
                success=call.success,
                error=call.error,
                duration_ms=call.duration_ms,
            )
        )
    return TranscriptPage(
        messages=tuple(message_view(m, tuple(calls.get(m.id, ()))) for m in messages),
        next=encode_cursor(messages[-1].id) if more and messages else None,
    )


def message_view(message: Message, tool_calls: tuple[ToolCallView, ...] = ()) -> MessageView:
    return MessageView(
        id=message.id,
        role=message.role,
        direction=message.direction,
        type=message.type,
        text=message.text,
        status=message.status,
        at=message.created_at,
        intent=message.intent,
        intent_score=message.intent_score,
        sentiment=message.sentiment,
        failure_reason=message.failure_reason,
        agent_id=message.agent_id,
        tool_calls=tool_calls,
    )
