"""`/api/v1/conversations`: a tenant's conversations and transcripts (bot.tenancy.conversation_reads)."""

from __future__ import annotations

from aiohttp import web

from bot.tenancy import conversation_reads as service
from bot.tenancy.conversation_reads import ConversationFilter, ConversationView, TranscriptMessage
from bot.web.api.route_table import ApiCall, RouteTable, respond_model, respond_page
from storage.db import read_only

routes = RouteTable("conversations")
ONE = "/conversations/{conversation_id}"


@routes.get(
    "/conversations", "List conversations", response=ConversationView, paged=True, query=ConversationFilter
)
async def list_conversations(call: ApiCall) -> web.StreamResponse:
    where = call.query(ConversationFilter)
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.list_conversations(
            session, call.tenant_id, where, limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)


@routes.get(ONE, "Read a conversation", response=ConversationView)
async def get_conversation(call: ApiCall) -> web.StreamResponse:
    async with read_only(call.sessions) as session:
        found = await service.get_conversation(session, call.tenant_id, call.id("conversation_id"))
    return respond_model(found)


@routes.get(
    ONE + "/messages",
    "Read a conversation's transcript",
    response=TranscriptMessage,
    paged=True,
    description="The messages of the conversation, newest first.",
)
async def list_conversation_messages(call: ApiCall) -> web.StreamResponse:
    page = call.page()
    async with read_only(call.sessions) as session:
        found = await service.transcript(
            session, call.tenant_id, call.id("conversation_id"), limit=page.limit, before=page.before
        )
    return respond_page(call, found.rows, found.next_before)
