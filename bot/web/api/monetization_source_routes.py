"""`/api/v1/monetization-sources`: where revenue comes from (bot.conversions.monetization_sources)."""

from __future__ import annotations

from aiohttp import web

from bot.conversions import monetization_sources as service
from bot.conversions.monetization_sources import SourceChanges, SourceFields, SourceView
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("monetization sources")
ONE = "/monetization-sources/{source_id}"


@routes.get("/monetization-sources", "List monetization sources", response=SourceView, paged=True)
async def list_sources(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_sources(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [SourceView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/monetization-sources",
    "Add a monetization source",
    body=SourceFields,
    response=SourceView,
    status=201,
    etag=True,
    idempotent=True,
    description=(
        "A purchase callback (`POST /conversions`) names its source by this id or by this exact name. "
        "Names are unique per tenant (409 naming `name`)."
    ),
)
async def create_source(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(SourceFields)
    async with call.writing() as session:
        source = await service.create_source(session, call.tenant_id, fields)
        return call.answer(SourceView.model_validate(source), status=201, etag=etag_of(source))


@routes.get(ONE, "Read a monetization source", response=SourceView, etag=True)
async def get_source(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        source = await service.get_source(session, call.tenant_id, call.id("source_id"))
    return respond_model(SourceView.model_validate(source), etag=etag_of(source))


@routes.patch(
    ONE,
    "Rename a monetization source or change its kind",
    body=SourceChanges,
    response=SourceView,
    etag=True,
    if_match=True,
    description="Its conversions stay with it; purchase callbacks must then use the new name (or the id).",
)
async def update_source(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(SourceChanges)
    async with transaction(call.sessions) as session:
        source = await service.update_source(
            session, call.tenant_id, call.id("source_id"), changes, if_match=call.if_match()
        )
    return respond_model(SourceView.model_validate(source), etag=etag_of(source))


@routes.delete(
    ONE,
    "Delete a monetization source no conversion refers to",
    status=204,
    if_match=True,
    description=(
        "A source that conversions refer to is not deleted (409, code `in_use`): its revenue would "
        "otherwise move to no source in every report, past periods included. Rename it instead."
    ),
)
async def delete_source(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_source(session, call.tenant_id, call.id("source_id"), if_match=call.if_match())
    return no_content()
