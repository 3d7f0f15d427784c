"""`/api/v1/tenant`: the calling tenant's own settings (bot.tenancy.tenant_settings does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import tenant_settings as service
from bot.tenancy.tenant_settings import TenantChanges, TenantView, etag_of
from bot.web.api.route_table import ApiCall, RouteTable, respond_model
from storage.db import read_only, transaction

routes = RouteTable("tenant")


@routes.get("/tenant", "Read the tenant's settings", response=TenantView, etag=True)
async def get_tenant(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        view = await service.read_settings(session, call.tenant_id)
    return respond_model(view, etag=etag_of(view))


@routes.patch(
    "/tenant",
    "Change the tenant's settings",
    body=TenantChanges,
    response=TenantView,
    etag=True,
    if_match=True,
    description="The plan and subscription are read-only here (the operator changes the plan: "
    "`chatbot tenant set --plan`). Fields left out keep their value.",
)
async def update_tenant(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(TenantChanges)
    async with transaction(call.sessions) as session:
        view = await service.change_settings(session, call.tenant_id, changes, if_match=call.if_match())
    return respond_model(view, etag=etag_of(view))
