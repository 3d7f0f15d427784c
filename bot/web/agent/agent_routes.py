"""The agents' JSON routes under /api/v1/agent/: parse, call a handoff service in one transaction, answer.

After a change that may free an agent's place the auto-assigner is woken, and after a reply is queued the
outbox sender is woken, so neither waits for its next poll.
"""

from __future__ import annotations

from aiohttp import web

from bot.handoff import agent_actions, agent_customers, agent_queue
from bot.handoff.agent_errors import BadRequest
from bot.tenancy.agent_accounts import AgentIdentity
from bot.web.agent.agent_auth import agent_route, int_field, json_body, text_field
from bot.web.agent.agent_json import respond
from bot.web.app_keys import AUTO_ASSIGNER, RUNTIME
from storage.db import read_only, transaction
from storage.models import utcnow

PREFIX = "/api/v1/agent"
# Ids are route parts of at most 18 digits: anything else is no route (404), never a database error.
CONVERSATION = PREFIX + r"/conversations/{id:\d{1,18}}"


def _conversation_id(request: web.Request) -> int:
    return int(request.match_info["id"])


@agent_route
async def me(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    return respond(
        {
            "id": agent.id,
            "name": agent.name,
            "role": agent.role,
            "capacity": agent.capacity,
            "tenant": {"id": agent.tenant_id, "name": agent.tenant_name, "slug": agent.tenant_slug},
        }
    )


@agent_route
async def queue(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    async with read_only(request.app[RUNTIME].sessions) as session:
        items = await agent_queue.queue(session, agent, now=utcnow())
    return respond({"conversations": items})


@agent_route
async def conversations(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    mine = request.query.get("mine", "0")
    if mine not in ("0", "1", "true", "false"):
        raise BadRequest("mine must be 1 or 0")
    async with read_only(request.app[RUNTIME].sessions) as session:
        if mine in ("1", "true"):
            items = await agent_queue.mine(session, agent, now=utcnow())
        else:
            items = await agent_queue.everyone(session, agent, now=utcnow())
    return respond({"conversations": items})


@agent_route
async def team(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    async with read_only(request.app[RUNTIME].sessions) as session:
        members = await agent_queue.team(session, agent, now=utcnow())
    return respond({"agents": members})


@agent_route
async def detail(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    async with read_only(request.app[RUNTIME].sessions) as session:
        found = await agent_queue.detail(session, agent, _conversation_id(request), now=utcnow())
    return respond(found)


@agent_route
async def messages(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    raw_limit = request.query.get("limit", str(agent_queue.DEFAULT_PAGE))
    if not (raw_limit.isascii() and raw_limit.isdigit()) or len(raw_limit) > 4:
        raise BadRequest(f"limit must be between 1 and {agent_queue.MAX_PAGE}")
    async with read_only(request.app[RUNTIME].sessions) as session:
        page = await agent_queue.transcript(
            session,
            agent,
            _conversation_id(request),
            before=request.query.get("before") or None,
            limit=int(raw_limit),
        )
    return respond(page)


@agent_route
async def claim(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    version = int_field(body, "version", required=False)
    async with transaction(request.app[RUNTIME].sessions) as session:
        now = utcnow()
        conversation = await agent_actions.claim(
            session, agent, _conversation_id(request), now=now, version=version
        )
        card = await agent_queue.describe(session, agent, conversation, now=now)
    return respond(card)


@agent_route
async def release(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    async with transaction(request.app[RUNTIME].sessions) as session:
        now = utcnow()
        conversation = await agent_actions.release(session, agent, _conversation_id(request), now=now)
        card = await agent_queue.describe(session, agent, conversation, now=now)
    request.app[AUTO_ASSIGNER].wake()
    return respond(card)


@agent_route
async def resolve(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    note = text_field(body, "note")
    runtime = request.app[RUNTIME]
    async with transaction(runtime.sessions) as session:
        now = utcnow()
        conversation = await agent_actions.resolve(
            session, agent, _conversation_id(request), note=note, now=now
        )
        card = await agent_queue.describe(session, agent, conversation, now=now)
    # A rating question may have been queued; and the agent has a free place again.
    runtime.sender.wake()
    request.app[AUTO_ASSIGNER].wake()
    return respond(card)


@agent_route
async def transfer(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    to_agent = int_field(body, "agent_id", required=True)
    assert to_agent is not None
    async with transaction(request.app[RUNTIME].sessions) as session:
        now = utcnow()
        conversation = await agent_actions.transfer(
            session, agent, _conversation_id(request), to_agent_id=to_agent, now=now
        )
        card = await agent_queue.describe(session, agent, conversation, now=now)
    request.app[AUTO_ASSIGNER].wake()
    return respond(card)


@agent_route
async def reply(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    text = text_field(body, "text")
    template_id = int_field(body, "template_id", required=False)
    runtime = request.app[RUNTIME]
    async with transaction(runtime.sessions) as session:
        message = await agent_actions.reply(
            session, agent, _conversation_id(request), now=utcnow(), text=text, template_id=template_id
        )
    runtime.sender.wake()
    return respond({"message": message}, status=201)


@agent_route
async def add_note(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    text = text_field(body, "text")
    async with transaction(request.app[RUNTIME].sessions) as session:
        note = await agent_actions.add_note(
            session, agent, _conversation_id(request), text=text, now=utcnow()
        )
    return respond({"note": note}, status=201)


CUSTOMER = PREFIX + r"/customers/{id:\d{1,18}}"


@agent_route
async def set_lead(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    body = await json_body(request)
    async with transaction(request.app[RUNTIME].sessions) as session:
        lead = await agent_customers.set_lead(
            session,
            agent,
            int(request.match_info["id"]),
            stage=text_field(body, "stage"),
            label=text_field(body, "label"),
            customer_type=text_field(body, "customer_type"),
            now=utcnow(),
        )
    return respond({"customer": lead})


@agent_route
async def forget(request: web.Request, agent: AgentIdentity) -> web.StreamResponse:
    async with transaction(request.app[RUNTIME].sessions) as session:
        done = await agent_customers.forget(session, agent, int(request.match_info["id"]), now=utcnow())
    return respond({"forgotten": done})


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/me", me)
    app.router.add_get(PREFIX + "/queue", queue)
    app.router.add_get(PREFIX + "/agents", team)
    app.router.add_get(PREFIX + "/conversations", conversations)
    app.router.add_get(CONVERSATION, detail)
    app.router.add_get(CONVERSATION + "/messages", messages)
    app.router.add_post(CONVERSATION + "/claim", claim)
    app.router.add_post(CONVERSATION + "/reply", reply)
    app.router.add_post(CONVERSATION + "/notes", add_note)
    app.router.add_post(CONVERSATION + "/resolve", resolve)
    app.router.add_post(CONVERSATION + "/release", release)
    app.router.add_post(CONVERSATION + "/transfer", transfer)
    app.router.add_post(CUSTOMER + "/lead", set_lead)
    app.router.add_post(CUSTOMER + "/forget", forget)
