"""`/api/v1/agents`: a tenant's human agents and their tokens (bot.tenancy.agent_admin does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import agent_admin as service
from bot.tenancy.agent_admin import AgentChanges, AgentFields, AgentView, AgentWithToken, NewAgentToken
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("agents")
ONE = "/agents/{agent_id}"


@routes.get("/agents", "List agents", response=AgentView, paged=True)
async def list_agents(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_agents(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [AgentView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/agents",
    "Create an agent",
    body=AgentFields,
    response=AgentWithToken,
    status=201,
    etag=True,
    description="The answer carries the agent's token; it is shown in no other answer.",
)
async def create_agent(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(AgentFields)
    async with transaction(call.sessions) as session:
        agent, token = await service.add_agent(session, call.tenant_id, fields)
        view = AgentWithToken(**AgentView.model_validate(agent).model_dump(), token=token)
    return respond_model(view, status=201, etag=etag_of(agent))


@routes.get(ONE, "Read an agent", response=AgentView, etag=True)
async def get_agent(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        agent = await service.get_agent(session, call.tenant_id, call.id("agent_id"))
    return respond_model(AgentView.model_validate(agent), etag=etag_of(agent))


@routes.patch(ONE, "Change an agent", body=AgentChanges, response=AgentView, etag=True, if_match=True)
async def update_agent(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(AgentChanges)
    async with transaction(call.sessions) as session:
        agent = await service.change_agent(
            session, call.tenant_id, call.id("agent_id"), changes, if_match=call.if_match()
        )
    return respond_model(AgentView.model_validate(agent), etag=etag_of(agent))


@routes.delete(
    ONE,
    "Deactivate an agent",
    status=204,
    if_match=True,
    description="The agent is deactivated, not deleted: the handoff history keeps naming it; its token is "
    "refused at once. PATCH active: true brings it back.",
)
async def delete_agent(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.deactivate_agent(session, call.tenant_id, call.id("agent_id"), if_match=call.if_match())
    return no_content()


@routes.post(
    ONE + "/token",
    "Give an agent a new token",
    body=NewAgentToken,
    response=AgentWithToken,
    etag=True,
    description="The old token is refused at once; the new one is shown in this answer only. "
    "The body may be empty.",
)
async def new_agent_token(call: ApiCall) -> web.StreamResponse:
    request = call.parsed(NewAgentToken) if call.body.strip() else NewAgentToken()
    async with transaction(call.sessions) as session:
        agent, token = await service.replace_token(session, call.tenant_id, call.id("agent_id"), request)
        view = AgentWithToken(**AgentView.model_validate(agent).model_dump(), token=token)
    return respond_model(view, etag=etag_of(agent))
