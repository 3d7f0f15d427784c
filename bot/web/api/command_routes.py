"""`/api/v1/commands`: a tenant's custom commands (bot.tenancy.custom_commands does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import custom_commands as service
from bot.tenancy.custom_commands import CommandChanges, CommandFields, CommandView
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("commands")
ONE = "/commands/{command_id}"
RULES = (
    'A customer whose message starts with the command ("!price", "!PRICE please", "!price?") gets its '
    'response. The command is stored as the bot reads it: "!" and the name in lower case ("Price" is '
    'stored as "!price"). Within one scope (every conversation: `group_id` null; or one GroupMe group) '
    "a command exists once (409 naming `command`); a group's own command wins over a tenant-wide one."
)


@routes.get("/commands", "List custom commands", response=CommandView, paged=True)
async def list_commands(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_commands(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [CommandView.model_validate(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post(
    "/commands",
    "Add a custom command",
    body=CommandFields,
    response=CommandView,
    status=201,
    etag=True,
    description=RULES,
)
async def create_command(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(CommandFields)
    async with transaction(call.sessions) as session:
        command = await service.create_command(session, call.tenant_id, fields)
    return respond_model(CommandView.model_validate(command), status=201, etag=etag_of(command))


@routes.get(ONE, "Read a custom command", response=CommandView, etag=True)
async def get_command(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        command = await service.get_command(session, call.tenant_id, call.id("command_id"))
    return respond_model(CommandView.model_validate(command), etag=etag_of(command))


@routes.patch(
    ONE,
    "Change or disable a custom command",
    body=CommandChanges,
    response=CommandView,
    etag=True,
    if_match=True,
    description=RULES,
)
async def update_command(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(CommandChanges)
    async with transaction(call.sessions) as session:
        command = await service.update_command(
            session, call.tenant_id, call.id("command_id"), changes, if_match=call.if_match()
        )
    return respond_model(CommandView.model_validate(command), etag=etag_of(command))


@routes.delete(ONE, "Delete a custom command", status=204, if_match=True)
async def delete_command(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_command(session, call.tenant_id, call.id("command_id"), if_match=call.if_match())
    return no_content()
