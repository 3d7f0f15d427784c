"""The agents' JSON routes under /api/v1/agent/: parse, call a handoff service in one transaction, answer.

After a change that may free an agent's place the auto-assigner is woken, and after a reply is queued the
outbox sender is woken, so neither waits for its next poll.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from functools import partial
from typing import Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import agent_actions, agent_customers, agent_queue
from bot.handoff.agent_views import ConversationDetail, TranscriptPage
from bot.tenancy.agent_accounts import AgentIdentity
from bot.web.agent.agent_answers import (
    ConversationList,
    CustomerForgotten,
    CustomerLead,
    Me,
    PostedNote,
    PostedReply,
    Team,
    TenantRef,
)
from bot.web.agent.agent_requests import (
    ClaimRequest,
    ConversationsQuery,
    LeadRequest,
    NoteRequest,
    ReplyRequest,
    ResolveRequest,
    TranscriptQuery,
    TransferRequest,
)
from bot.web.agent.agent_route_table import AgentCall, AgentRouteTable
from bot.web.app_keys import AUTO_ASSIGNER, RUNTIME
from storage.db import read_only, transaction
from storage.models import Conversation, utcnow

inbox = AgentRouteTable("agent: inbox")
actions = AgentRouteTable("agent: conversation actions")
customers = AgentRouteTable("agent: customers")
CONVERSATION = "/conversations/{conversation_id}"
CUSTOMER = "/customers/{customer_id}"


@inbox.get("/me", "The agent this token belongs to, and its tenant", response=Me)
async def me(call: AgentCall) -> web.StreamResponse:
    agent = call.agent
    tenant = TenantRef(agent.tenant_id, agent.tenant_name, agent.tenant_slug)
    return call.answer(Me(agent.id, agent.name, agent.role, agent.capacity, tenant))


@inbox.get("/queue", "Conversations waiting for an agent, oldest first", response=ConversationList)
async def queue(call: AgentCall) -> web.StreamResponse:
    async with read_only(call.request.app[RUNTIME].sessions) as session:
        items = await agent_queue.queue(session, call.agent, now=utcnow())
    return call.answer(ConversationList(tuple(items)))


@inbox.get("/agents", "The tenant's active agents: available now, and how full", response=Team)
async def team(call: AgentCall) -> web.StreamResponse:
    async with read_only(call.request.app[RUNTIME].sessions) as session:
        members = await agent_queue.team(session, call.agent, now=utcnow())
    return call.answer(Team(tuple(members)))


@inbox.get(
    "/conversations",
    "Conversations waiting for or owned by an agent (mine=1: the caller's own)",
    query=ConversationsQuery,
    response=ConversationList,
)
async def conversations(call: AgentCall) -> web.StreamResponse:
    mine = call.query(ConversationsQuery).mine in ("1", "true")
    async with read_only(call.request.app[RUNTIME].sessions) as session:
        if mine:
            items = await agent_queue.mine(session, call.agent, now=utcnow())
        else:
            items = await agent_queue.everyone(session, call.agent, now=utcnow())
    return call.answer(ConversationList(tuple(items)))


@inbox.get(
    CONVERSATION,
    "A conversation's card: customer, handoff summary, window, notes, canned replies",
    response=ConversationDetail,
)
async def detail(call: AgentCall) -> web.StreamResponse:
    async with read_only(call.request.app[RUNTIME].sessions) as session:
        found = await agent_queue.detail(session, call.agent, call.id("conversation_id"), now=utcnow())
    return call.answer(found)


@inbox.get(
    CONVERSATION + "/messages",
    "A page of the transcript, newest first",
    query=TranscriptQuery,
    response=TranscriptPage,
    description="Pass the page's `next` as `before` for the next (older) page; `next` is null on the last.",
)
async def messages(call: AgentCall) -> web.StreamResponse:
    asked = call.query(TranscriptQuery)
    async with read_only(call.request.app[RUNTIME].sessions) as session:
        page = await agent_queue.transcript(
            session, call.agent, call.id("conversation_id"), before=asked.before or None, limit=asked.limit
        )
    return call.answer(page)


class ConversationAction(Protocol):
    """A handoff action on one conversation (bot/handoff/agent_actions.py), its own arguments bound."""

    def __call__(
        self, session: AsyncSession, agent: AgentIdentity, conversation_id: int, *, now: datetime
    ) -> Awaitable[Conversation]: ...


async def _act(call: AgentCall, action: ConversationAction) -> ConversationDetail:
    """``action`` on the path's conversation and the card as it then stands, in one transaction (so the
    card shows the change and nothing after it)."""
    async with transaction(call.request.app[RUNTIME].sessions) as session:
        now = utcnow()
        conversation = await action(session, call.agent, call.id("conversation_id"), now=now)
        return await agent_queue.describe(session, call.agent, conversation, now=now)


@actions.post(
    CONVERSATION + "/claim",
    "Take a waiting conversation",
    body=ClaimRequest,
    response=ConversationDetail,
    description="409 when another agent was faster, or the conversation changed since `version` was read.",
)
async def claim(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(ClaimRequest)
    return call.answer(await _act(call, partial(agent_actions.claim, version=asked.version)))


@actions.post(CONVERSATION + "/release", "Hand the conversation back to the bot", response=ConversationDetail)
async def release(call: AgentCall) -> web.StreamResponse:
    card = await _act(call, agent_actions.release)
    call.request.app[AUTO_ASSIGNER].wake()
    return call.answer(card)


@actions.post(
    CONVERSATION + "/resolve",
    "End the handoff (the customer is asked for a rating)",
    body=ResolveRequest,
    response=ConversationDetail,
)
async def resolve(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(ResolveRequest)
    card = await _act(call, partial(agent_actions.resolve, note=asked.note))
    # A rating question may have been queued; and the agent has a free place again.
    call.request.app[RUNTIME].sender.wake()
    call.request.app[AUTO_ASSIGNER].wake()
    return call.answer(card)


@actions.post(
    CONVERSATION + "/transfer",
    "Hand the conversation to a colleague",
    body=TransferRequest,
    response=ConversationDetail,
)
async def transfer(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(TransferRequest)
    card = await _act(call, partial(agent_actions.transfer, to_agent_id=asked.agent_id))
    call.request.app[AUTO_ASSIGNER].wake()
    return call.answer(card)


@actions.post(
    CONVERSATION + "/reply",
    "Send the customer a reply (text, or a canned reply from a template)",
    body=ReplyRequest,
    response=PostedReply,
    status=201,
    description=(
        "Give either `text` or `template_id`. The messaging window applies: a reply that cannot go out "
        "now (window closed, conversation not the caller's) is a 409."
    ),
)
async def reply(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(ReplyRequest)
    runtime = call.request.app[RUNTIME]
    async with transaction(runtime.sessions) as session:
        message = await agent_actions.reply(
            session,
            call.agent,
            call.id("conversation_id"),
            now=utcnow(),
            text=asked.text,
            template_id=asked.template_id,
        )
    runtime.sender.wake()
    return call.answer(PostedReply(message))


@actions.post(
    CONVERSATION + "/notes",
    "Add an internal note (never sent to the customer)",
    body=NoteRequest,
    response=PostedNote,
    status=201,
)
async def add_note(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(NoteRequest)
    async with transaction(call.request.app[RUNTIME].sessions) as session:
        note = await agent_actions.add_note(
            session, call.agent, call.id("conversation_id"), text=asked.text, now=utcnow()
        )
    return call.answer(PostedNote(note))


@customers.post(
    CUSTOMER + "/lead",
    "Set the customer's lead stage, label and/or type by hand",
    body=LeadRequest,
    response=CustomerLead,
)
async def set_lead(call: AgentCall) -> web.StreamResponse:
    asked = await call.parsed(LeadRequest)
    async with transaction(call.request.app[RUNTIME].sessions) as session:
        lead = await agent_customers.set_lead(
            session,
            call.agent,
            call.id("customer_id"),
            stage=asked.stage,
            label=asked.label,
            customer_type=asked.customer_type,
            now=utcnow(),
        )
    return call.answer(CustomerLead(lead))


@customers.post(
    CUSTOMER + "/forget",
    "Erase the customer's personal data (admins only; idempotent)",
    response=CustomerForgotten,
)
async def forget(call: AgentCall) -> web.StreamResponse:
    async with transaction(call.request.app[RUNTIME].sessions) as session:
        done = await agent_customers.forget(session, call.agent, call.id("customer_id"), now=utcnow())
    return call.answer(CustomerForgotten(done))
