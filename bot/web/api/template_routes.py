"""`/api/v1/templates`: a tenant's reply templates (bot.tenancy.reply_templates does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import reply_templates as service
from bot.tenancy.reply_templates import (
    TemplateChanges,
    TemplateFields,
    TemplatePreview,
    TemplatePreviewRequest,
    TemplateView,
)
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("templates")
ONE = "/templates/{template_id}"


@routes.get("/templates", "List templates", response=TemplateView, paged=True)
async def list_templates(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_templates(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [TemplateView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/templates", "Create a template", body=TemplateFields, response=TemplateView, status=201, etag=True
)
async def create_template(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(TemplateFields)
    async with transaction(call.sessions) as session:
        template = await service.create_template(session, call.tenant_id, fields)
    return respond_model(TemplateView.model_validate(template), status=201, etag=etag_of(template))


@routes.post(
    "/templates/preview",
    "Preview a template body as a customer would get it",
    body=TemplatePreviewRequest,
    response=TemplatePreview,
    description=(
        "Renders `body` with the renderer the bot uses at turn time: `{first_name}` and `{full_name}` "
        "from `customer` (sample values), `{bot_name}` (the tenant's first bot) and `{tenant_name}`. A "
        "known placeholder without a value is left out with its comma or space; an unknown one is sent "
        "as written and listed in `unknown`. Nothing is stored."
    ),
)
async def preview_template(call: ApiCall) -> web.StreamResponse:
    request = call.parsed(TemplatePreviewRequest)
    async with read_only(call.sessions) as session:
        preview = await service.preview_template(session, call.tenant_id, request)
    return respond_model(preview)


@routes.get(ONE, "Read a template", response=TemplateView, etag=True)
async def get_template(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        template = await service.get_template(session, call.tenant_id, call.id("template_id"))
    return respond_model(TemplateView.model_validate(template), etag=etag_of(template))


@routes.patch(ONE, "Change a template", body=TemplateChanges, response=TemplateView, etag=True, if_match=True)
async def update_template(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(TemplateChanges)
    async with transaction(call.sessions) as session:
        template = await service.update_template(
            session, call.tenant_id, call.id("template_id"), changes, if_match=call.if_match()
        )
    return respond_model(TemplateView.model_validate(template), etag=etag_of(template))


@routes.delete(ONE, "Delete a template", status=204, if_match=True)
async def delete_template(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_template(
            session, call.tenant_id, call.id("template_id"), if_match=call.if_match()
        )
    return no_content()
