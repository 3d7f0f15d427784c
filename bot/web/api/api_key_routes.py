"""`/api/v1/api-keys`: a tenant's API keys (bot.tenancy.api_key_admin does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import api_key_admin as service
from bot.tenancy.api_key_admin import ApiKeyFields, ApiKeyIssued, ApiKeyView
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("api-keys")


@routes.get("/api-keys", "List API keys", response=ApiKeyView, paged=True)
async def list_api_keys(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_keys(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [ApiKeyView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/api-keys",
    "Issue an API key",
    body=ApiKeyFields,
    response=ApiKeyIssued,
    status=201,
    description="The answer carries the key; it is shown in no other answer.",
)
async def create_api_key(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(ApiKeyFields)
    async with transaction(call.sessions) as session:
        issued = await service.issue_key(session, call.tenant_id, fields)
    return respond_model(issued, status=201)


@routes.delete(
    "/api-keys/{key_id}",
    "Revoke an API key",
    status=204,
    description="Refused (401) from this moment on, even when it is the key this request was made with.",
)
async def revoke_api_key(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.revoke_key(session, call.tenant_id, call.id("key_id"))
    return no_content()
