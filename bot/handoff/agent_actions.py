"""What an agent does to a conversation: claim, reply, note, resolve, release, transfer.

Each runs in the caller's transaction and changes status or owner only through ``transition`` (audited,
compare-and-set on the version, told to every console). A refusal is an AgentRequestError that says why:
another agent owns the conversation (named), it is resolved, the messaging window is closed, an agent is at
capacity. A reply is stored as the agent's message and queued in the outbox like the bot's replies, so it
goes out on the conversation's channel with the same window rules, splitting, retries and failure record.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.base import Platform
from adapters.inbound_records import storable_text
from bot.engine.render import placeholder_values, render
from bot.handoff import csat
from bot.handoff.agent_errors import BadRequest, Conflict, NotFound
from bot.handoff.agent_load import require_room
from bot.handoff.agent_queue import message_view, require_conversation
from bot.handoff.agent_views import AgentRef, MessageView, NoteView
from bot.handoff.conversation_states import (
    Actor,
    ConcurrentChange,
    IllegalTransition,
    transition,
)
from bot.handoff.internal_notes import write_note
from bot.handoff.messaging_windows import check_window
from bot.tenancy.agent_accounts import AgentIdentity
from storage import agent_queries, knowledge, live_events, outbox_queue
from storage.models import Bot, Channel, Conversation, Customer, Template
from storage.sql import get_owned

MAX_REPLY_CHARS = 10_000
MAX_NOTE_CHARS = 5_000
FINISHED = ("resolved", "closed")


class _Keep(enum.Enum):
    OWNER = "keep the owner"


# -- ownership -------------------------------------------------------------------------------------------


async def claim(
    session: AsyncSession,
    agent: AgentIdentity,
    conversation_id: int,
    *,
    now: datetime,
    version: int | None = None,
) -> Conversation:
    """Take a waiting conversation. Of two agents claiming at once exactly one wins; the other is told who.

    Claiming one's own conversation again changes nothing. ``version`` (optional) is the version the agent
    saw: if the conversation changed since, the claim is refused rather than acting on a stale view.
    """
    conversation = await require_conversation(session, agent, conversation_id)
    if conversation.status == "transferred" and conversation.assigned_agent_id == agent.id:
        return conversation
    await _require_claimable(session, agent, conversation)
    if version is not None and version != conversation.version:
        raise Conflict(f"the conversation changed since you saw it (version {conversation.version} now)")
    await require_room(session, agent.tenant_id, agent.id, taker="you")
    await _move(session, agent, conversation, "transferred", now=now, reason="claimed", owner=agent.id)
    await _hand_to(session, agent.tenant_id, conversation.id, agent.id, now=now)
    return conversation


async def _require_claimable(session: AsyncSession, agent: AgentIdentity, conversation: Conversation) -> None:
    if conversation.status == "transferred":
        raise Conflict(f"already claimed by {await _owner_name(session, agent, conversation)}")
    if conversation.status != "escalated":
        raise Conflict(
            f"the conversation is {conversation.status}: "
            "only a conversation waiting for an agent can be claimed"
        )


async def release(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, now: datetime
) -> Conversation:
    """Hand the conversation back to the bot (its owner, or an admin)."""
    conversation = await require_conversation(session, agent, conversation_id)
    await _require_owner(session, agent, conversation, "release it", admin_may=True)
    await _move(session, agent, conversation, "bot_active", now=now, reason="released to the bot", owner=None)
    # The bot starts afresh: runs of fallbacks or negative messages from before the handoff would
    # otherwise hand the conversation straight back to the queue.
    conversation.consecutive_fallbacks = 0
    conversation.consecutive_negative = 0
    return conversation


async def resolve(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, note: str | None, now: datetime
) -> Conversation:
    """Close the handoff with a note: a waiting conversation by any agent, an owned one by its owner or an
    admin. The customer is then asked once for a rating (bot/handoff/csat.py)."""
    note = _optional_text(note, "note", MAX_NOTE_CHARS)
    conversation = await require_conversation(session, agent, conversation_id)
    if conversation.status != "escalated":
        await _require_owner(session, agent, conversation, "resolve it", admin_may=True)
    await _move(session, agent, conversation, "resolved", now=now, reason=note or "resolved")
    handoff = await agent_queries.latest_handoff(session, agent.tenant_id, conversation.id)
    if handoff is not None and handoff.resolved_at is None:
        handoff.resolved_at = now
        handoff.notes = note
        if handoff.agent_id is None:
            handoff.agent_id = agent.id
    await csat.ask_for_rating(session, conversation, agent_id=agent.id, now=now)
    return conversation


async def transfer(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, to_agent_id: int, now: datetime
) -> Conversation:
    """Give the conversation to another agent of the tenant, if that agent has room (capacity)."""
    conversation = await require_conversation(session, agent, conversation_id)
    if conversation.status != "escalated":
        await _require_owner(session, agent, conversation, "transfer it", admin_may=True)
    target = await agent_queries.get_agent(session, agent.tenant_id, to_agent_id)
    if target is None:
        raise NotFound(f"no agent {to_agent_id}")
    if conversation.assigned_agent_id == target.id:
        raise Conflict(f"{target.name} already owns the conversation")
    await require_room(session, agent.tenant_id, target.id, taker=target.name)
    await _move(
        session,
        agent,
        conversation,
        "transferred",
        now=now,
        reason=f"transferred to {target.name}",
        owner=target.id,
    )
    await _hand_to(session, agent.tenant_id, conversation.id, target.id, now=now, reassign=True)
    return conversation


async def _require_owner(
    session: AsyncSession, agent: AgentIdentity, conversation: Conversation, action: str, *, admin_may: bool
) -> None:
    if conversation.status in FINISHED:
        raise Conflict(f"the conversation is {conversation.status}")
    if conversation.status != "transferred":
        raise Conflict(f"the conversation is {conversation.status}: claim it before you {action}")
    if conversation.assigned_agent_id != agent.id and not (admin_may and agent.is_admin):
        raise Conflict(f"the conversation is claimed by {await _owner_name(session, agent, conversation)}")


async def _move(
    session: AsyncSession,
    agent: AgentIdentity,
    conversation: Conversation,
    to_status: str,
    *,
    now: datetime,
    reason: str,
    owner: int | Literal[_Keep.OWNER] | None = _Keep.OWNER,
) -> None:
    """``transition`` on the agent's behalf, to ``owner`` (None: nobody) if given; refusals: Conflict."""
    extra: dict[str, Any] = {} if owner is _Keep.OWNER else {"agent_id": owner}
    try:
        await transition(
            session, conversation, to_status, actor=Actor.agent(agent.id), now=now, reason=reason, **extra
        )
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from None
    except ConcurrentChange:
        # Someone else acted first: say what the conversation is now (and who owns it).
        await session.refresh(conversation)
        if conversation.status == "transferred" and conversation.assigned_agent_id != agent.id:
            raise Conflict(f"already claimed by {await _owner_name(session, agent, conversation)}") from None
        raise Conflict(f"the conversation changed meanwhile (it is {conversation.status} now)") from None


async def _hand_to(
    session: AsyncSession,
    tenant_id: int,
    conversation_id: int,
    agent_id: int,
    *,
    now: datetime,
    reassign: bool = False,
) -> None:
    """Record on the open handoff who took it and when."""
    handoff = await agent_queries.latest_handoff(session, tenant_id, conversation_id)
    if handoff is None or handoff.resolved_at is not None:
        return
    if handoff.agent_id is None or reassign:
        handoff.agent_id = agent_id
    if handoff.accepted_at is None:
        handoff.accepted_at = now


async def _owner_name(session: AsyncSession, agent: AgentIdentity, conversation: Conversation) -> str:
    if conversation.assigned_agent_id is None:
        return "nobody"
    owner = await agent_queries.get_agent(session, agent.tenant_id, conversation.assigned_agent_id)
    return owner.name if owner is not None else f"agent {conversation.assigned_agent_id}"


# -- messages and notes ----------------------------------------------------------------------------------


async def reply(
    session: AsyncSession,
    agent: AgentIdentity,
    conversation_id: int,
    *,
    now: datetime,
    text: str | None = None,
    template_id: int | None = None,
) -> MessageView:
    """Queue the agent's reply (free text, or one of the tenant's templates filled in for this customer).

    Only the conversation's owner may reply, only while it is open, and only when the messaging window
    lets the reply out (Messenger: 24 h, 7 days with the HUMAN_AGENT tag; WhatsApp: 24 h, then only the
    channel's template): a reply that cannot go out is refused now rather than failing later.
    """
    if (text is None) == (template_id is None):
        raise BadRequest("give either text or template_id")
    conversation = await require_conversation(session, agent, conversation_id)
    if conversation.status in FINISHED:
        raise Conflict(f"the conversation is {conversation.status}: it takes no more replies")
    if conversation.status != "transferred" or conversation.assigned_agent_id != agent.id:
        await _require_owner(session, agent, conversation, "reply", admin_may=False)
    channel = await get_owned(session, Channel, agent.tenant_id, conversation.channel_id)
    if channel is None:
        raise NotFound(f"no conversation {conversation_id}")
    _require_open_window(channel, conversation, now)
    if template_id is not None:
        body = await _canned_reply(session, agent, conversation, template_id)
    else:
        body = _required_text(text, "text", MAX_REPLY_CHARS)
    message = await outbox_queue.queue_outbound(
        session, conversation, role="agent", text=body, route="agent", agent_id=agent.id, now=now
    )
    conversation.message_count += 1
    conversation.last_activity_at = now
    await live_events.publish(
        session,
        tenant_id=agent.tenant_id,
        kind="message",
        conversation_id=conversation.id,
        payload={"message_id": message.id, "role": "agent", "text": body, "agent_id": agent.id},
        now=now,
    )
    return message_view(message)


def _require_open_window(channel: Channel, conversation: Conversation, now: datetime) -> None:
    decision = check_window(
        platform=channel.platform,
        role="agent",
        last_inbound_at=conversation.last_inbound_at,
        now=now,
        channel_settings=dict(channel.settings or {}),
    )
    if decision.allowed:
        return
    if channel.platform == Platform.WHATSAPP.value:
        raise Conflict(
            "the 24-hour window is closed: send a template "
            "(this WhatsApp channel has no window_template configured)"
        )
    raise Conflict(f"the messaging window is closed ({decision.reason}): the customer must write first")


async def _canned_reply(
    session: AsyncSession, agent: AgentIdentity, conversation: Conversation, template_id: int
) -> str:
    template = await get_owned(session, Template, agent.tenant_id, template_id)
    if template is None or not template.active:
        raise NotFound(f"no template {template_id}")
    customer = (
        await get_owned(session, Customer, agent.tenant_id, conversation.customer_id)
        if conversation.customer_id is not None
        else None
    )
    bot = await get_owned(session, Bot, agent.tenant_id, conversation.bot_id)
    values = placeholder_values(
        first_name=customer.first_name if customer else None,
        full_name=customer.name if customer else None,
        bot_name=bot.name if bot else None,
        tenant_name=agent.tenant_name,
    )
    await knowledge.count_usage(session, tenant_id=agent.tenant_id, template_id=template.id)
    return render(template.body, values)


async def add_note(
    session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, text: str | None, now: datetime
) -> NoteView:
    """An internal note on the conversation, for the tenant's agents only: it is never sent."""
    body = _required_text(text, "text", MAX_NOTE_CHARS)
    conversation = await require_conversation(session, agent, conversation_id)
    note = await write_note(session, conversation, body, now=now, agent_id=agent.id, agent_name=agent.name)
    return NoteView(note.id, AgentRef(agent.id, agent.name), body, now)


def _required_text(value: str | None, field: str, limit: int) -> str:
    text = storable_text(value or "").strip()
    if not text:
        raise BadRequest(f"{field} must not be empty")
    if len(text) > limit:
        raise BadRequest(f"{field} is longer than {limit} characters")
    return text


def _optional_text(value: str | None, field: str, limit: int) -> str | None:
    text = storable_text(value or "").strip()
    if len(text) > limit:
        raise BadRequest(f"{field} is longer than {limit} characters")
    return text or None
