"""`/api/v1/bots`: a tenant's bots and their settings (bot.tenancy.bot_admin does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import bot_admin as service
from bot.tenancy.bot_settings import BotChanges, BotFields, BotView
from bot.tenancy.row_versions import etag_of
from bot.web.api.route_table import ApiCall, RouteTable, no_content, respond_model, respond_page
from storage.db import read_only, transaction

routes = RouteTable("bots")
ONE = "/bots/{bot_id}"


@routes.get("/bots", "List bots", response=BotView, paged=True)
async def list_bots(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_bots(session, call.tenant_id, limit=page.limit, before=page.before)
        items = [BotView.of(row) for row in found.rows]
    return respond_page(call, items, found.next_before)


@routes.post("/bots", "Create a bot", body=BotFields, response=BotView, status=201, etag=True)
async def create_bot(call: ApiCall) -> web.StreamResponse:
    fields = call.parsed(BotFields)
    async with transaction(call.sessions) as session:
        bot = await service.create_bot(session, call.tenant_id, fields)
    return respond_model(BotView.of(bot), status=201, etag=etag_of(bot))


@routes.get(ONE, "Read a bot", response=BotView, etag=True)
async def get_bot(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        bot = await service.get_bot(session, call.tenant_id, call.id("bot_id"))
    return respond_model(BotView.of(bot), etag=etag_of(bot))


@routes.patch(ONE, "Change a bot", body=BotChanges, response=BotView, etag=True, if_match=True)
async def update_bot(call: ApiCall) -> web.StreamResponse:
    changes = call.parsed(BotChanges)
    async with transaction(call.sessions) as session:
        bot = await service.change_bot(
            session, call.tenant_id, call.id("bot_id"), changes, if_match=call.if_match()
        )
    return respond_model(BotView.of(bot), etag=etag_of(bot))


@routes.delete(
    ONE,
    "Delete a bot",
    status=204,
    if_match=True,
    description="Refused (409) while channels use the bot or conversations name it; deactivate it instead.",
)
async def delete_bot(call: ApiCall) -> web.StreamResponse:
    async with transaction(call.sessions) as session:
        await service.delete_bot(session, call.tenant_id, call.id("bot_id"), if_match=call.if_match())
    return no_content()
